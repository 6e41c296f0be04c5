namespace Tally.Datasets.Query;

/// <summary>What one vintage says for the period.</summary>
/// <param name="Value">The metric's value in this vintage; null when the vintage has no rows for the period.</param>
/// <param name="YearToDate">True when the vintage is dated before the period ends (a partial-year value).</param>
/// <param name="Errors">Error findings that make the vintage suspect; empty when it is not.</param>
/// <param name="Files">Files the vintage was filed in.</param>
/// <param name="SnapshotId">Snapshot of the uploaded file the vintage's canonical filing came from; null when the load recorded none.</param>
public sealed record VintageValue(
    string VintageId,
    string Label,
    DateOnly? VintageDate,
    DateOnly? PublishedDate,
    double? Value,
    long RowCount,
    bool YearToDate,
    bool Suspect,
    IReadOnlyList<Finding> Errors,
    IReadOnlyList<string> Files,
    string? SnapshotId = null);

/// <summary>A stored row a computed metric counts: the file it was read from, the sheet (workbooks) and the physical row number (header included).</summary>
public sealed record CountedRow(string FileName, string? Sheet, long RowNumber);

/// <summary>The metric's value for one combination of dimension values, in the chosen vintage.</summary>
public sealed record DimensionValue(IReadOnlyDictionary<string, string?> Dimensions, double? Value, long RowCount);

/// <summary>
/// A computed metric's answer for one period: the value, the vintage used (and why), what every other vintage
/// covering the period said, and which newer vintages were skipped as suspect and why.
/// </summary>
/// <param name="Value">Null when no usable vintage covers the period (see <paramref name="Explanation"/>).</param>
/// <param name="UsedSuspectVintage">True only when a pinned vintage is suspect: it is used because it was asked for, and said so.</param>
/// <param name="FromMaterialised">True when answered from aggregates materialised at load time (no scan).</param>
/// <param name="Sql">The SQL that computes the value from the rows (also for materialised answers, to reproduce them).</param>
/// <param name="SqlParameters">Values of the SQL's @parameters, by name without the @ (strings, whole numbers, ISO dates as text).</param>
public sealed record ComputedMetricResult(
    ComputedMetricSpec Metric,
    MetricPeriod Period,
    double? Value,
    long RowCount,
    VintageValue? Vintage,
    bool YearToDate,
    bool UsedSuspectVintage,
    IReadOnlyList<DimensionValue> ByDimension,
    IReadOnlyList<VintageValue> OtherVintages,
    IReadOnlyList<VintageValue> SkippedVintages,
    string Explanation,
    bool FromMaterialised,
    string Sql,
    IReadOnlyDictionary<string, object?>? SqlParameters = null);

/// <summary>Period buckets of an ad-hoc query (the proto's PeriodKind subset).</summary>
public enum PeriodBucket
{
    None,
    FiscalYear,
    CalendarYear,
    FiscalQuarter,
    Month,
}

/// <summary>An ad-hoc aggregation over one vintage of one table (the QueryDataset RPC).</summary>
/// <param name="Vintage">Vintage label; null for the latest vintage that is not suspect.</param>
/// <param name="From">First date (inclusive) of <paramref name="DateColumn"/>; null for no lower bound.</param>
/// <param name="To">Last date (inclusive); null for no upper bound.</param>
public sealed record DatasetQuery
{
    public required string Dataset { get; init; }
    public string? Table { get; init; }
    public IReadOnlyList<MetricFilter> Filters { get; init; } = [];
    public MetricMeasure Measure { get; init; } = MetricMeasure.Count;
    public IReadOnlyList<string> GroupBy { get; init; } = [];
    public string? DateColumn { get; init; }
    public DateOnly? From { get; init; }
    public DateOnly? To { get; init; }
    public PeriodBucket Bucket { get; init; } = PeriodBucket.None;
    public string? Vintage { get; init; }
    public int Limit { get; init; } = 10_000;
}

/// <summary>
/// One result row: group values in request order; the period bucket's label ("FY2023", "CY2023", "FY2023 Q2",
/// "2023-07") and first and last day; the value and how many rows it aggregates.
/// </summary>
public sealed record DatasetQueryRow(
    IReadOnlyList<KeyValuePair<string, string?>> Group, string? Period, DateOnly? PeriodStart, DateOnly? PeriodEnd, double? Value, long RowCount)
{
    /// <summary>First and last day of a bucket label.</summary>
    public static (DateOnly Start, DateOnly End)? Span(string? label)
    {
        if (label is null)
        {
            return null;
        }

        var inv = System.Globalization.CultureInfo.InvariantCulture;
        if (label.StartsWith("FY", StringComparison.Ordinal) && label.Length == 6)
        {
            var fy = int.Parse(label[2..], inv);
            return (new DateOnly(fy - 1, 10, 1), new DateOnly(fy, 9, 30));
        }

        if (label.StartsWith("FY", StringComparison.Ordinal) && label.Length == 9)
        {
            var fy = int.Parse(label[2..6], inv);
            var start = new DateOnly(fy - 1, 10, 1).AddMonths(3 * (label[8] - '1'));
            return (start, start.AddMonths(3).AddDays(-1));
        }

        if (label.StartsWith("CY", StringComparison.Ordinal))
        {
            var y = int.Parse(label[2..], inv);
            return (new DateOnly(y, 1, 1), new DateOnly(y, 12, 31));
        }

        var month = DateOnly.ParseExact(label + "-01", "yyyy-MM-dd", inv);
        return (month, month.AddMonths(1).AddDays(-1));
    }
}

/// <summary>Result of an ad-hoc aggregation.</summary>
/// <param name="RowsMatched">Rows that passed the filters (before grouping).</param>
/// <param name="Warning">Set when the vintage read is suspect (pinned by the caller), saying why.</param>
public sealed record DatasetQueryResult(
    string DatasetId,
    string Table,
    VintageInfo Vintage,
    IReadOnlyList<DatasetQueryRow> Rows,
    long RowsMatched,
    bool Truncated,
    string? Warning,
    string Sql);
