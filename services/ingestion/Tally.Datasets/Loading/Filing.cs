using System.Globalization;
using Tally.Datasets.Specs;
using Tally.Datasets.Storage;

namespace Tally.Datasets.Loading;

/// <summary>
/// The rows one load contributes to one vintage of one table (one group of equal vintage columns). Keeps
/// order-independent content hashes (so the same pull filed twice is recognised), the fiscal years and dates it
/// covers, and counts of row-level rule violations.
/// </summary>
internal sealed class Filing(string id, PhysicalTable table, string? vintageDateText, string? publishedText)
{
    private ulong _content1, _content2, _values1, _values2;

    public string Id { get; } = id;

    public PhysicalTable Table { get; } = table;

    public string? VintageDateText { get; } = vintageDateText;

    public DateOnly? VintageDate { get; } = vintageDateText is null ? null : DateOnly.ParseExact(vintageDateText, "yyyy-MM-dd", CultureInfo.InvariantCulture);

    public string? PublishedText { get; } = publishedText;

    public DateOnly? Published { get; } = publishedText is null ? null : DateOnly.ParseExact(publishedText, "yyyy-MM-dd", CultureInfo.InvariantCulture);

    public long Rows { get; set; }

    /// <summary>True when the filing may hold a repeated key, so the duplicate-key check must look at its rows.</summary>
    public bool MayRepeatKeys { get; set; }

    public SortedSet<int> FiscalYears { get; } = [];

    public string? MinDate { get; private set; }

    public string? MaxDate { get; private set; }

    /// <summary>Row-level violations by code: (rows, first example).</summary>
    public Dictionary<string, (long Count, string Example, string Message)> Violations { get; } = [];

    /// <summary>Hash of every non-vintage value (the same table filed twice has the same content hash).</summary>
    public string ContentHash => $"{_content1:x16}{_content2:x16}-{Rows}";

    /// <summary>Hash without vintage and period columns: equal for a stale table re-read under another fiscal year.</summary>
    public string ValuesHash => $"{_values1:x16}{_values2:x16}-{Rows}";

    /// <summary>Which columns identify the vintage, and which carry the period (left out of the values hash).</summary>
    public static (bool[] Vintage, bool[] Period) Flags(TableSpec spec) =>
        (spec.Columns.Select(c => spec.Vintage?.Columns.Contains(c.Name) == true).ToArray(),
         spec.Columns.Select(c => c.Name == spec.Period?.FiscalYearColumn || c.Name == spec.Period?.DateColumn).ToArray());

    /// <summary>Takes a row back out of the hashes (a repeated key moved to the quarantine after staging).</summary>
    public void Remove(object?[] values, bool[] vintageColumn, bool[] periodColumn)
    {
        var (c1, c2, v1, v2) = RowHashes(values, vintageColumn, periodColumn);
        _content1 -= c1;
        _content2 -= c2;
        _values1 -= v1;
        _values2 -= v2;
        Rows--;
    }

    private static (ulong, ulong, ulong, ulong) RowHashes(object?[] values, bool[] vintageColumn, bool[] periodColumn)
    {
        ulong c1 = 1469598103934665603UL, c2 = 7809847782465536322UL, v1 = c1, v2 = c2;
        for (var i = 0; i < values.Length; i++)
        {
            if (vintageColumn[i])
            {
                continue;
            }

            var h = Hash(values[i], (ulong)i);
            c1 = Mix(c1, h);
            c2 = Mix(c2, h ^ 0x9E3779B97F4A7C15UL);
            if (!periodColumn[i])
            {
                v1 = Mix(v1, h);
                v2 = Mix(v2, h ^ 0x9E3779B97F4A7C15UL);
            }
        }

        return (Final(c1), Final(c2), Final(v1), Final(v2));
    }

    public void Add(object?[] values, TableSpec spec, bool[] vintageColumn, bool[] periodColumn)
    {
        Rows++;
        var (h1, h2, h3, h4) = RowHashes(values, vintageColumn, periodColumn);
        // Sums of per-row hashes: the order of rows does not matter, their multiset does.
        _content1 += h1;
        _content2 += h2;
        _values1 += h3;
        _values2 += h4;

        if (spec.Period is { } period)
        {
            if (period.FiscalYearColumn is { } fy && values[spec.IndexOf(fy)] is long year)
            {
                FiscalYears.Add((int)year);
            }

            if (period.DateColumn is { } dc && values[spec.IndexOf(dc)] is string date)
            {
                if (MinDate is null || string.CompareOrdinal(date, MinDate) < 0)
                {
                    MinDate = date;
                }

                if (MaxDate is null || string.CompareOrdinal(date, MaxDate) > 0)
                {
                    MaxDate = date;
                }
            }
        }
    }

    /// <summary>Counts a row that breaks a rule; the example (built only for the first such row) names it.</summary>
    public void Violation(string code, string message, Func<string> example)
    {
        Violations[code] = Violations.TryGetValue(code, out var v) ? (v.Count + 1, v.Example, v.Message) : (1, example(), message);
    }

    private static ulong Hash(object? value, ulong position)
    {
        var h = 0xCBF29CE484222325UL ^ (position * 0x100000001B3UL);
        switch (value)
        {
            case null:
                return h ^ 0xA5A5A5A5UL;
            case long l:
                return Mix(h, (ulong)l);
            case double d:
                return Mix(h ^ 0xD0D0UL, (ulong)BitConverter.DoubleToInt64Bits(d));
            default:
                foreach (var ch in (string)value)
                {
                    h = (h ^ ch) * 0x100000001B3UL;
                }

                return h;
        }
    }

    private static ulong Mix(ulong h, ulong v) => (h ^ (v * 0xFF51AFD7ED558CCDUL)) * 0xC4CEB9FE1A85EC53UL + 0x165667B19E3779F9UL;

    /// <summary>A 64-bit finalizer (the murmur3 mix): spreads every input bit over the whole hash.</summary>
    internal static ulong Final(ulong h)
    {
        h ^= h >> 33;
        h *= 0xFF51AFD7ED558CCDUL;
        h ^= h >> 33;
        h *= 0xC4CEB9FE1A85EC53UL;
        h ^= h >> 33;
        return h;
    }
}

/// <summary>US federal fiscal years: FY2024 runs 2023-10-01 to 2024-09-30.</summary>
public static class FiscalYear
{
    public static int Of(DateOnly date) => date.Month >= 10 ? date.Year + 1 : date.Year;

    public static DateOnly Start(int fiscalYear) => new(fiscalYear - 1, 10, 1);

    public static DateOnly End(int fiscalYear) => new(fiscalYear, 9, 30);
}
