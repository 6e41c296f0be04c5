using System.Text;

namespace Tally.Datasets.Reading;

/// <summary>
/// Streaming RFC 4180 reader: quoted fields with embedded delimiters, newlines and doubled quotes; CRLF, LF or
/// CR line ends; a UTF-8 byte-order mark; delimiter detection among , ; TAB |. Memory is bounded by the
/// 64 Ki-char buffer plus the longest row (cells are capped at <see cref="ReaderLimits.MaxCellChars"/>).
/// Malformed rows are returned with <see cref="Problem"/> set, never dropped.
/// </summary>
internal sealed class CsvRowReader : IRowReader
{
    public static readonly char[] Candidates = [',', ';', '\t', '|'];

    private const int FieldStart = 0, Unquoted = 1, Quoted = 2, QuoteInQuoted = 3;

    private readonly CountingStream _input;
    private readonly StreamReader _reader;
    private readonly ReaderLimits _limits;
    private readonly char[] _buf = new char[1 << 16];
    private int _pos;
    private int _len;
    private bool _eof;
    private bool _done;
    private bool _skipLf;
    private long _line = 1;
    private readonly CellStrings _strings = new();
    private string[] _cells = new string[32];
    private int _count;
    private char[] _field = new char[256];
    private int _fieldLen;
    private bool _first = true;

    private CsvRowReader(CountingStream input, ReaderLimits limits)
    {
        _input = input;
        _limits = limits;
        // A UTF-8 encoding with a preamble makes StreamReader skip a BOM; invalid bytes throw instead of turning into U+FFFD.
        _reader = new StreamReader(input, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true, throwOnInvalidBytes: true),
            detectEncodingFromByteOrderMarks: false, bufferSize: 1 << 16, leaveOpen: true);
    }

    public char Delimiter { get; private set; }

    public string? Sheet => null;

    public long RowNumber { get; private set; }

    public int CellCount => _count;

    public long BytesRead => _input.BytesRead;

    public string? Problem { get; private set; }

    public string? ProblemCode { get; private set; }

    public bool StartsSheet { get; private set; }

    /// <summary>Blank lines skipped so far (reported, not stored).</summary>
    public long BlankLines { get; private set; }

    public string Cell(int index) => index < _count ? _cells[index] : "";

    /// <summary>Opens a reader; with <paramref name="delimiter"/> null the delimiter is detected from the first lines.</summary>
    public static async Task<CsvRowReader> OpenAsync(CountingStream input, char? delimiter, bool preferTab, ReaderLimits limits, CancellationToken cancellationToken)
    {
        var reader = new CsvRowReader(input, limits);
        await reader.FillAsync(cancellationToken);
        reader.Delimiter = delimiter ?? Sniff(reader._buf.AsSpan(0, reader._len), preferTab);
        return reader;
    }

    /// <summary>Picks the candidate that splits the first lines into the same number of cells; ',' when nothing splits them.</summary>
    internal static char Sniff(ReadOnlySpan<char> text, bool preferTab)
    {
        var counts = new List<int[]>();
        var current = new int[Candidates.Length];
        var inQuotes = false;
        var lineHasContent = false;
        for (var i = 0; i < text.Length && counts.Count < 30; i++)
        {
            var c = text[i];
            if (c == '"')
            {
                inQuotes = !inQuotes;
            }
            else if (!inQuotes && (c == '\n' || c == '\r'))
            {
                if (lineHasContent)
                {
                    counts.Add(current);
                }

                current = new int[Candidates.Length];
                lineHasContent = false;
                continue;
            }
            else if (!inQuotes)
            {
                var k = Array.IndexOf(Candidates, c);
                if (k >= 0)
                {
                    current[k]++;
                }
            }

            lineHasContent = true;
        }

        if (lineHasContent && counts.Count == 0)
        {
            counts.Add(current);
        }

        var best = preferTab ? '\t' : ',';
        var bestScore = (Consistent: -1, Lines: -1, Count: -1);
        for (var k = 0; k < Candidates.Length; k++)
        {
            var lines = counts.Count(c => c[k] > 0);
            if (lines == 0)
            {
                continue;
            }

            var consistent = counts.All(c => c[k] == counts[0][k]) ? 1 : 0;
            var score = (consistent, lines, counts[0][k]);
            if (score.CompareTo(bestScore) > 0)
            {
                bestScore = score;
                best = Candidates[k];
            }
        }

        return best;
    }

    private async ValueTask<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_eof)
        {
            return false;
        }

        try
        {
            _len = await _reader.ReadAsync(_buf.AsMemory(), cancellationToken);
        }
        catch (DecoderFallbackException e)
        {
            throw new DatasetFormatException(
                $"The file is not valid UTF-8 (near byte {_input.BytesRead:N0}, line {_line:N0}). Save it as UTF-8 (Excel: 'CSV UTF-8') and upload it again.", e);
        }

        _pos = 0;
        if (_len == 0)
        {
            _eof = true;
            return false;
        }

        return true;
    }

    public async ValueTask<bool> ReadAsync(CancellationToken cancellationToken)
    {
        if (_done)
        {
            return false;
        }

        var delimiter = Delimiter;
        while (true)
        {
            _count = 0;
            _fieldLen = 0;
            Problem = null;
            ProblemCode = null;
            RowNumber = _line;
            var state = FieldStart;
            var started = false;
            long quoteLine = 0;
            while (true)
            {
                if (_pos >= _len && !await FillAsync(cancellationToken))
                {
                    return EndOfFile(state, started, quoteLine);
                }

                if (_skipLf)
                {
                    _skipLf = false;
                    if (_buf[_pos] == '\n')
                    {
                        _pos++;
                        continue;
                    }
                }

                var c = _buf[_pos];
                switch (state)
                {
                    case FieldStart:
                        if (c == '"')
                        {
                            started = true;
                            state = Quoted;
                            quoteLine = _line;
                            _pos++;
                        }
                        else if (c == delimiter)
                        {
                            started = true;
                            EndField();
                            _pos++;
                        }
                        else if (c is '\n' or '\r')
                        {
                            Newline(c);
                            if (!started)
                            {
                                BlankLines++;
                                RowNumber = _line;
                                continue;
                            }

                            EndField();
                            return Row();
                        }
                        else
                        {
                            started = true;
                            state = Unquoted;
                        }

                        break;
                    case Unquoted:
                    {
                        var span = _buf.AsSpan(_pos, _len - _pos);
                        var idx = span.IndexOfAny(delimiter, '\n', '\r');
                        if (idx < 0)
                        {
                            Append(span);
                            _pos = _len;
                            break;
                        }

                        Append(span[..idx]);
                        _pos += idx;
                        EndField();
                        if (_buf[_pos] == delimiter)
                        {
                            _pos++;
                            state = FieldStart;
                            break;
                        }

                        Newline(_buf[_pos]);
                        return Row();
                    }
                    case Quoted:
                    {
                        var span = _buf.AsSpan(_pos, _len - _pos);
                        var idx = span.IndexOf('"');
                        var chunk = idx < 0 ? span : span[..idx];
                        CountLines(chunk);
                        Append(chunk);
                        if (idx < 0)
                        {
                            _pos = _len;
                        }
                        else
                        {
                            _pos += idx + 1;
                            state = QuoteInQuoted;
                        }

                        break;
                    }
                    default: // QuoteInQuoted
                        if (c == '"')
                        {
                            Append("\"");
                            _pos++;
                            state = Quoted;
                        }
                        else if (c == delimiter)
                        {
                            EndField();
                            _pos++;
                            state = FieldStart;
                        }
                        else if (c is '\n' or '\r')
                        {
                            EndField();
                            Newline(c);
                            return Row();
                        }
                        else
                        {
                            SetProblem("MALFORMED_QUOTES", $"cell {_count + 1} has text after its closing quote; quote the whole cell and double any quote inside it (\"\")");
                            state = Unquoted;
                        }

                        break;
                }
            }
        }
    }

    private bool EndOfFile(int state, bool started, long quoteLine)
    {
        _done = true;
        if (!started)
        {
            return false;
        }

        if (state == Quoted)
        {
            SetProblem("TRUNCATED_ROW", $"the file ends inside a quoted cell opened on line {quoteLine:N0}: the file is probably cut short, or a quote is not closed");
        }

        EndField();
        return Row();
    }

    private bool Row()
    {
        StartsSheet = _first;
        _first = false;
        return true;
    }

    private void Newline(char c)
    {
        _pos++;
        _line++;
        if (c == '\r')
        {
            _skipLf = true;
        }
    }

    private void CountLines(ReadOnlySpan<char> chunk)
    {
        for (var i = 0; i < chunk.Length; i++)
        {
            if (chunk[i] == '\n' || (chunk[i] == '\r' && (i + 1 >= chunk.Length || chunk[i + 1] != '\n')))
            {
                _line++;
            }
        }
    }

    private void Append(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return;
        }

        if (_fieldLen + text.Length > _limits.MaxCellChars)
        {
            SetProblem("CELL_TOO_LONG", $"cell {_count + 1} is longer than {_limits.MaxCellChars:N0} characters (an unclosed quote?); it was cut");
            text = text[..Math.Max(0, _limits.MaxCellChars - _fieldLen)];
        }

        if (_fieldLen + text.Length > _field.Length)
        {
            Array.Resize(ref _field, Math.Max(_field.Length * 2, _fieldLen + text.Length));
        }

        text.CopyTo(_field.AsSpan(_fieldLen));
        _fieldLen += text.Length;
    }

    private void EndField()
    {
        if (_count >= _limits.MaxCells)
        {
            SetProblem("TOO_MANY_CELLS", $"the row has more than {_limits.MaxCells:N0} cells");
            _fieldLen = 0;
            return;
        }

        if (_count == _cells.Length)
        {
            Array.Resize(ref _cells, _cells.Length * 2);
        }

        _cells[_count] = _strings.Get(_count, _field.AsSpan(0, _fieldLen));
        _count++;
        _fieldLen = 0;
    }

    private void SetProblem(string code, string message)
    {
        if (Problem is null)
        {
            ProblemCode = code;
            Problem = message;
        }
    }

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        return ValueTask.CompletedTask;
    }
}
