using System.Collections.Immutable;

namespace Tally.Datasets.Specs;

/// <summary>File formats the engine reads.</summary>
public enum DatasetFileFormat
{
    /// <summary>Decide from the file name (.csv, .tsv/.tab, .xlsx), else from the first bytes.</summary>
    Auto,
    Csv,
    Tsv,
    Xlsx,
}

/// <summary>Types a column's text is converted to before it is stored.</summary>
public enum ColumnType
{
    /// <summary>Any text (stored trimmed; empty is null).</summary>
    String,
    /// <summary>Whole number (64-bit); "1,234" and Excel's "1234.0" are accepted.</summary>
    Int,
    /// <summary>Decimal number, invariant culture ("24216.45").</summary>
    Decimal,
    /// <summary>Calendar date, stored as ISO "YYYY-MM-DD"; parsed with the column's formats.</summary>
    Date,
    /// <summary>One of the column's listed values (exact match after trimming).</summary>
    Enum,
}

/// <summary>How a totals rule compares its total with the sum of its parts.</summary>
public enum TotalRelation
{
    /// <summary>The total equals the sum of the parts.</summary>
    Equal,
    /// <summary>The total is at least the sum of the parts (the total also counts things not listed as parts).</summary>
    AtLeast,
}

/// <summary>Which rows a rule selects: every listed column must hold one of its values ("" matches an empty cell).</summary>
public sealed record RowSelector(ImmutableSortedDictionary<string, ImmutableArray<string>> Values)
{
    public static RowSelector All { get; } = new(ImmutableSortedDictionary<string, ImmutableArray<string>>.Empty);

    public bool IsEmpty => Values.Count == 0;

    public override string ToString() =>
        IsEmpty ? "all rows" : string.Join(", ", Values.Select(kv => $"{kv.Key} in [{string.Join(", ", kv.Value.Select(v => v.Length == 0 ? "(empty)" : v))}]"));
}

/// <summary>One column of a table.</summary>
/// <param name="Name">Name in snake_case, used in SQL and in metric definitions.</param>
/// <param name="Header">Header text in the file (matched ignoring case and spacing); defaults to the name.</param>
/// <param name="DateFormats">.NET exact formats tried in order for dates (default "yyyy-MM-dd").</param>
/// <param name="AllowedValues">The values an enum column may hold.</param>
public sealed record ColumnSpec(
    string Name,
    string Header,
    ColumnType Type,
    bool Required,
    ImmutableArray<string> DateFormats,
    ImmutableArray<string> AllowedValues,
    string? Description);

/// <summary>Which columns identify a vintage (a data pull) of the rows.</summary>
/// <param name="DateColumn">Column holding the vintage date (ICE: pull_date); its value is the vintage label.</param>
/// <param name="PublishedColumn">Column holding the publication date of the file (ICE: file_date); optional.</param>
public sealed record VintageSpec(string DateColumn, string? PublishedColumn)
{
    public IEnumerable<string> Columns => PublishedColumn is null ? [DateColumn] : [DateColumn, PublishedColumn];
}

/// <summary>Which columns carry each row's period.</summary>
/// <param name="FiscalYearColumn">US federal fiscal year the row belongs to (FY2024 = Oct 2023 - Sep 2024).</param>
/// <param name="MonthColumn">Month label (e.g. "Oct"), informational.</param>
/// <param name="DateColumn">A date inside the row's period (e.g. the first of the month).</param>
public sealed record PeriodSpec(string? FiscalYearColumn, string? MonthColumn, string? DateColumn);

/// <summary>"The total equals (or is at least) the sum of its parts", checked per vintage and group.</summary>
/// <param name="EffectiveFrom">First vintage date the rule applies to (inclusive); null for no lower bound.</param>
/// <param name="EffectiveUntil">Last vintage date the rule applies to (inclusive); null for no upper bound.</param>
public sealed record TotalRuleSpec(
    string Name,
    RowSelector Total,
    RowSelector Parts,
    ImmutableArray<string> By,
    ImmutableArray<string> Measures,
    TotalRelation Relation,
    DateOnly? EffectiveFrom,
    DateOnly? EffectiveUntil,
    string? Note)
{
    public bool AppliesTo(DateOnly? vintageDate) =>
        vintageDate is not { } d || ((EffectiveFrom is null || d >= EffectiveFrom) && (EffectiveUntil is null || d <= EffectiveUntil));
}

/// <summary>A running-total column (year to date) equals the sum of the per-period column, per group.</summary>
public sealed record RunningTotalSpec(string Column, string Of, ImmutableArray<string> By);

/// <summary>A year-to-date counter never decreases from one vintage to a later one within a fiscal year.</summary>
/// <param name="Key">Columns identifying one counter (compared across vintages).</param>
/// <param name="Where">Rows whose counters are compared (e.g. the Total row only).</param>
/// <param name="Tolerance">Relative decrease tolerated (0.01 = 1 %), for reclassifications between pulls.</param>
public sealed record NeverDecreasesSpec(string Column, RowSelector Where, ImmutableArray<string> Key, double Tolerance);

/// <summary>Validation rules of a table. Violations become findings attached to vintages.</summary>
/// <param name="DateInFiscalYear">Each row's period date lies inside its stated fiscal year.</param>
/// <param name="NoDataAfterVintageMeasures">Measures that must be 0 or empty for periods starting after the vintage was published (its published date, else its vintage date).</param>
/// <param name="MislabelledFiscalYear">A vintage dated before its fiscal year began is mislabelled.</param>
/// <param name="StaleCopies">A vintage whose values repeat another vintage's (a re-read stale table) is suspect.</param>
public sealed record ValidationSpec(
    bool DateInFiscalYear,
    ImmutableArray<string> NoDataAfterVintageMeasures,
    ImmutableArray<RunningTotalSpec> RunningTotals,
    ImmutableArray<NeverDecreasesSpec> NeverDecreases,
    bool MislabelledFiscalYear,
    bool StaleCopies)
{
    public static ValidationSpec None { get; } = new(false, [], [], [], false, false);
}

/// <summary>One table of a dataset: a CSV file, or a sheet of a workbook.</summary>
/// <param name="Files">File-name patterns (* and ?) that load into this table; empty matches any file.</param>
/// <param name="Sheet">Sheet name or pattern in a workbook; null for the first sheet (or any, when only one table).</param>
/// <param name="HeaderRow">1-based row of the header; null to detect it (first row naming every required column).</param>
/// <param name="Key">Columns that identify a row within a vintage; a repeated key is quarantined.</param>
public sealed record TableSpec(
    string Name,
    string? Description,
    ImmutableArray<string> Files,
    DatasetFileFormat Format,
    string? Sheet,
    int? HeaderRow,
    ImmutableArray<ColumnSpec> Columns,
    VintageSpec? Vintage,
    PeriodSpec? Period,
    ImmutableArray<string> Key,
    ImmutableArray<TotalRuleSpec> Totals,
    ValidationSpec Validation)
{
    public ColumnSpec? Column(string name) => Columns.FirstOrDefault(c => c.Name == name);

    public int IndexOf(string name)
    {
        for (var i = 0; i < Columns.Length; i++)
        {
            if (Columns[i].Name == name)
            {
                return i;
            }
        }

        return -1;
    }
}

/// <summary>Publisher and address of the data.</summary>
public sealed record DatasetSource(string? Publisher, string? Title, string? Url);

/// <summary>A dataset spec (catalog/datasets/*.yaml): the tables of one dataset and how to read and check them.</summary>
/// <param name="Origin">File the spec was read from ("(upload)" for an uploaded spec).</param>
public sealed record DatasetSpec(
    string Name,
    string? Description,
    DatasetSource? Source,
    ImmutableArray<TableSpec> Tables,
    string Origin,
    string Yaml)
{
    public TableSpec? Table(string name) => Tables.FirstOrDefault(t => t.Name == name);
}
