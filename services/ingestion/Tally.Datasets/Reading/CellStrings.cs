namespace Tally.Datasets.Reading;

/// <summary>
/// The strings a reader hands out for its cells. Most columns of a statistical table repeat a few values row after row
/// (a state, a release reason, a pull date, a birth year); such a column gets one string per distinct value instead of
/// one per row, which is most of what a load allocates. A column is watched for its first <see cref="ProbeCells"/>
/// cells: if fewer than a quarter of them repeat an earlier value (an id, a timestamp), it stops being looked up and every
/// cell gets a string of its own again. Memory is bounded: short cells only, and a budget of characters per reader.
/// </summary>
internal sealed class CellStrings
{
    /// <summary>Longer cells are never shared (free text rarely repeats, and hashing it costs more than it saves).</summary>
    public const int MaxChars = 40;

    /// <summary>Cells of a column looked up before deciding whether its values repeat.</summary>
    public const int ProbeCells = 4096;

    /// <summary>Distinct values kept per column.</summary>
    public const int MaxValuesPerColumn = 4096;

    /// <summary>Columns beyond this many are never shared.</summary>
    public const int MaxColumns = 512;

    /// <summary>Characters kept across all columns of one reader (4 MiB of UTF-16 at most).</summary>
    public const int BudgetChars = 2 << 20;

    private Column?[] _columns = new Column?[16];
    private int _budget = BudgetChars;

    /// <summary>Characters held in shared strings now.</summary>
    public int CharsKept => BudgetChars - _budget;

    /// <summary>A string equal to <paramref name="text"/>: a shared one when the column repeats it, else a new one.</summary>
    public string Get(int column, ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return "";
        }

        if (text.Length > MaxChars)
        {
            return new string(text);
        }

        if (column >= _columns.Length)
        {
            if (column >= MaxColumns)
            {
                return new string(text);
            }

            Array.Resize(ref _columns, Math.Max(column + 1, _columns.Length * 2));
        }

        var c = _columns[column] ??= new Column();
        return c.Get(text, ref _budget);
    }

    private sealed class Column
    {
        private readonly HashSet<string> _values = new(StringComparer.Ordinal);
        private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _lookup;
        private int _probed;
        private int _hits;
        private bool _off;

        public Column() => _lookup = _values.GetAlternateLookup<ReadOnlySpan<char>>();

        public string Get(ReadOnlySpan<char> text, ref int budget)
        {
            if (_off)
            {
                return new string(text);
            }

            var hit = _lookup.TryGetValue(text, out var shared);
            if (_probed < ProbeCells)
            {
                _probed++;
                _hits += hit ? 1 : 0;
                if (_probed == ProbeCells && _hits < ProbeCells / 4)
                {
                    _off = true; // mostly distinct values (an id, a timestamp): lookups would only cost
                    budget += _values.Sum(v => v.Length);
                    _values.Clear();
                    _values.TrimExcess();
                }
            }

            if (hit)
            {
                return shared!;
            }

            var s = new string(text);
            if (!_off && _values.Count < MaxValuesPerColumn && budget >= s.Length)
            {
                _values.Add(s);
                budget -= s.Length;
            }

            return s;
        }
    }
}
