namespace Tally.Datasets.Storage;

/// <summary>ds_findings joined with the vintage label, as Dapper reads it (both dialects return 64-bit integers).</summary>
internal sealed class FindingRow
{
    public long Severity { get; set; }
    public string Code { get; set; } = "";
    public string Message { get; set; } = "";
    public long RowCount { get; set; }
    public string? Example { get; set; }
    public string? TableName { get; set; }
    public string? Vintage { get; set; }
    public string? VintageId { get; set; }

    public Finding ToFinding() => new((FindingSeverity)Severity, Code, Message, RowCount, Example, TableName, Vintage);

    public const string Select =
        "f.severity AS Severity, f.code AS Code, f.message AS Message, f.row_count AS RowCount, f.example AS Example, f.table_name AS TableName, v.label AS Vintage, f.vintage_id AS VintageId";
}

/// <summary>ds_vintages as Dapper reads it.</summary>
internal sealed class VintageRow
{
    public string Id { get; set; } = "";
    public string TableName { get; set; } = "";
    public string Label { get; set; } = "";
    public string? VintageDate { get; set; }
    public string? PublishedDate { get; set; }
    public string FilingId { get; set; } = "";
    public string ValuesHash { get; set; } = "";
    public string FiscalYears { get; set; } = "";
    public string? PeriodStart { get; set; }
    public string? PeriodEnd { get; set; }
    public long RowCount { get; set; }
    public long Suspect { get; set; }
    public string? Note { get; set; }
    public string LoadId { get; set; } = "";
    public long CreatedAt { get; set; }

    public const string Select =
        "v.id AS Id, v.table_name AS TableName, v.label AS Label, v.vintage_date AS VintageDate, v.published_date AS PublishedDate, v.filing_id AS FilingId, " +
        "v.values_hash AS ValuesHash, v.fiscal_years AS FiscalYears, v.period_start AS PeriodStart, v.period_end AS PeriodEnd, v.row_count AS RowCount, " +
        "v.suspect AS Suspect, v.note AS Note, v.load_id AS LoadId, v.created_at AS CreatedAt";

    public DateOnly? Date => VintageDate is null ? null : DateOnly.ParseExact(VintageDate, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    public DateOnly? Published => PublishedDate is null ? null : DateOnly.ParseExact(PublishedDate, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    public IReadOnlyList<int> Years => FiscalYears.Length == 0 ? [] : [.. FiscalYears.Split(',').Select(y => int.Parse(y, System.Globalization.CultureInfo.InvariantCulture))];
}
