namespace Tally.Datasets.Loading;

/// <summary>
/// Tells, while rows are read, whether a filing can hold a repeated key, so that the duplicate-key check (a GROUP BY
/// over the staged rows, see <see cref="TableChecks"/>) only runs where it can find something. Each filing keeps the
/// 64-bit hashes of its keys; a hash seen twice (a real repeat, or a collision) marks the filing as possibly repeating,
/// and so does running out of the load's budget of hashes (memory stays bounded at any size). The filter only ever
/// skips the check for filings whose keys are certainly distinct; the check itself decides which rows to quarantine.
/// </summary>
internal sealed class KeyFilter(int budget)
{
    private int _held;

    /// <summary>Hashes held by every filing of the load (about 20 bytes each).</summary>
    public int Held => _held;

    /// <summary>Notes the row's key in its filing, or marks the filing as possibly repeating a key.</summary>
    public void Add(Filing filing, object?[] values, int[] keyIndexes)
    {
        if (filing.MayRepeatKeys)
        {
            return;
        }

        var hashes = filing.KeyHashes ??= [];
        if (_held >= budget)
        {
            Give(filing);
            return;
        }

        if (!hashes.Add(Hash(values, keyIndexes)))
        {
            Give(filing);
            return;
        }

        _held++;
    }

    private void Give(Filing filing)
    {
        filing.MayRepeatKeys = true;
        _held -= filing.KeyHashes?.Count ?? 0;
        filing.KeyHashes = null;
    }

    /// <summary>Hash of the key cells as stored: equal stored values give equal hashes (NULLs group together, as in GROUP BY).</summary>
    internal static ulong Hash(object?[] values, int[] keyIndexes)
    {
        var h = 14695981039346656037UL;
        foreach (var i in keyIndexes)
        {
            switch (values[i])
            {
                case null:
                    h = Mix(h, 0x6E756C6CUL);
                    break;
                case long l:
                    h = Mix(h ^ 1, (ulong)l);
                    break;
                case double d:
                    h = Mix(h ^ 2, d == 0 ? 0UL : (ulong)BitConverter.DoubleToInt64Bits(d)); // 0.0 = -0.0 in SQL
                    break;
                default:
                    var s = (string)values[i]!;
                    h = Mix(h ^ 3, (ulong)s.Length);
                    foreach (var ch in s)
                    {
                        h = (h ^ ch) * 0x100000001B3UL;
                    }

                    break;
            }
        }

        return Filing.Final(h);
    }

    private static ulong Mix(ulong h, ulong v) => (h ^ (v * 0x9E3779B97F4A7C15UL)) * 0x100000001B3UL;
}
