using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Tally.Catalog.Model;

namespace Tally.Datasets.Query;

/// <summary>What is aggregated over the selected rows.</summary>
public enum MeasureKind
{
    /// <summary>Number of rows (record-level data: each row one event).</summary>
    Count,
    /// <summary>Sum of a numeric column (published tables where a row already holds a count).</summary>
    Sum,
    /// <summary>Number of distinct values of a column (e.g. people by identifier).</summary>
    CountDistinct,
    /// <summary>Arithmetic mean of a numeric column.</summary>
    Mean,
}

/// <summary>A measure: "count", "sum(column)", "count_distinct(column)" or "mean(column)".</summary>
public sealed partial record MetricMeasure(MeasureKind Kind, string? Column)
{
    public static MetricMeasure Count { get; } = new(MeasureKind.Count, null);

    public static MetricMeasure Parse(string text)
    {
        var m = Pattern().Match(text.Trim());
        if (!m.Success)
        {
            throw new DatasetException(DatasetErrorKind.InvalidArgument,
                $"Measure '{text}' is not understood; write count, sum(column), count_distinct(column) or mean(column).");
        }

        return m.Groups[1].Value switch
        {
            "count" when !m.Groups[2].Success => Count,
            "sum" when m.Groups[2].Success => new(MeasureKind.Sum, m.Groups[2].Value),
            "count_distinct" when m.Groups[2].Success => new(MeasureKind.CountDistinct, m.Groups[2].Value),
            "mean" when m.Groups[2].Success => new(MeasureKind.Mean, m.Groups[2].Value),
            _ => throw new DatasetException(DatasetErrorKind.InvalidArgument,
                $"Measure '{text}' is not understood; write count, sum(column), count_distinct(column) or mean(column)."),
        };
    }

    public override string ToString() => Kind switch
    {
        MeasureKind.Count => "count",
        MeasureKind.Sum => $"sum({Column})",
        MeasureKind.CountDistinct => $"count_distinct({Column})",
        _ => $"mean({Column})",
    };

    [GeneratedRegex(@"^(count|sum|count_distinct|mean)(?:\(([a-z][a-z0-9_]*)\))?$")]
    private static partial Regex Pattern();
}

/// <summary>How a filter compares a column with its values ("" stands for an empty cell).</summary>
public enum FilterOperator
{
    /// <summary>The column equals one of the values.</summary>
    In,
    /// <summary>The column equals none of the values.</summary>
    NotIn,
    /// <summary>The column is empty.</summary>
    IsEmpty,
    /// <summary>The column is not empty.</summary>
    NotEmpty,
}

/// <summary>One row filter.</summary>
public sealed record MetricFilter(string Column, FilterOperator Operator, ImmutableArray<string> Values)
{
    public static MetricFilter In(string column, params string[] values) => new(column, FilterOperator.In, [.. values]);

    public override string ToString() => Operator switch
    {
        FilterOperator.In => $"{Column} in [{string.Join(", ", Values)}]",
        FilterOperator.NotIn => $"{Column} not in [{string.Join(", ", Values)}]",
        FilterOperator.IsEmpty => $"{Column} is empty",
        _ => $"{Column} is not empty",
    };
}

/// <summary>The year a period value is counted in: US federal fiscal year (Oct-Sep) or calendar year.</summary>
public enum MetricCalendar
{
    Fiscal,
    Calendar,
}

/// <summary>Which vintage answers: the latest one that passed validation and covers the period, or a pinned one.</summary>
public sealed record VintageRule(string? Pinned)
{
    public static VintageRule LatestValid { get; } = new((string?)null);

    /// <summary>"latest_valid_for_period" / "latest_pull", or "pinned:LABEL" / "pull_date=YYYY-MM-DD".</summary>
    public static VintageRule Parse(string text)
    {
        var t = text.Trim();
        if (t is "latest_valid_for_period" or "latest_pull" or "latest")
        {
            return LatestValid;
        }

        if (t.StartsWith("pinned:", StringComparison.Ordinal) && t.Length > 7)
        {
            return new VintageRule(t[7..].Trim());
        }

        if (t.StartsWith("pull_date=", StringComparison.Ordinal) && t.Length > 10)
        {
            return new VintageRule(t[10..].Trim());
        }

        throw new DatasetException(DatasetErrorKind.InvalidArgument,
            $"Vintage rule '{text}' is not understood; write latest_valid_for_period (or latest_pull), pinned:LABEL or pull_date=YYYY-MM-DD.");
    }

    public override string ToString() => Pinned is null ? "latest_valid_for_period" : $"pinned:{Pinned}";
}

/// <summary>
/// A computed metric: an aggregation over one table of an ingested dataset, per period (fiscal or calendar
/// year) and optional dimensions, answered from one vintage chosen by <see cref="Vintage"/>.
/// </summary>
/// <param name="Id">Metric id (catalog id), used in messages and the materialisation key.</param>
/// <param name="Table">Table of the dataset; empty when the dataset has one table.</param>
/// <param name="PeriodColumn">An integer year column read as the period (e.g. fiscal_year); exclusive with <paramref name="DateColumn"/>.</param>
/// <param name="DateColumn">A date column bucketed into years of <paramref name="Calendar"/>.</param>
public sealed record ComputedMetricSpec(
    string Id,
    string Dataset,
    string Table,
    ImmutableArray<MetricFilter> Filters,
    MetricMeasure Measure,
    string? PeriodColumn,
    string? DateColumn,
    MetricCalendar Calendar,
    ImmutableArray<string> Dimensions,
    VintageRule Vintage)
{
    /// <summary>Stable key of the computation (not of the id): changes whenever what is computed changes.</summary>
    public string Key
    {
        get
        {
            var canonical = string.Join("\n",
                Dataset, Table, Measure.ToString(), PeriodColumn ?? "", DateColumn ?? "", Calendar.ToString(),
                string.Join("|", Filters.OrderBy(f => f.Column, StringComparer.Ordinal).Select(f => $"{f.Column}:{f.Operator}:{string.Join(",", f.Values.Order(StringComparer.Ordinal))}")),
                string.Join("|", Dimensions));
            return "m-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))[..20];
        }
    }

    /// <summary>
    /// From a catalog metric's computed values: dataset "NAME/TABLE" (or "NAME" for a one-table dataset), measure,
    /// filters (each an IN list), date_column, calendar (us_federal_fiscal_year or calendar_year) and vintage.
    /// </summary>
    public static ComputedMetricSpec FromCatalog(string metricId, ComputedValues values, IEnumerable<string>? dimensions = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        var slash = values.Dataset.IndexOf('/', StringComparison.Ordinal);
        var calendar = values.Calendar switch
        {
            PeriodBasis.UsFederalFiscalYear => MetricCalendar.Fiscal,
            PeriodBasis.CalendarYear => MetricCalendar.Calendar,
            _ => throw new DatasetException(DatasetErrorKind.InvalidArgument,
                $"Metric '{metricId}': computed metrics are answered per fiscal or calendar year; calendar '{values.Calendar}' is not supported yet."),
        };
        return new ComputedMetricSpec(
            metricId,
            slash < 0 ? values.Dataset : values.Dataset[..slash],
            slash < 0 ? "" : values.Dataset[(slash + 1)..],
            [.. values.Filters.Select(kv => new MetricFilter(kv.Key, FilterOperator.In, kv.Value))],
            MetricMeasure.Parse(values.Measure),
            null,
            values.DateColumn,
            calendar,
            dimensions is null ? [] : [.. dimensions],
            VintageRule.Parse(values.Vintage));
    }
}

/// <summary>One year of a metric's calendar.</summary>
public sealed record MetricPeriod(MetricCalendar Calendar, int Year)
{
    public static MetricPeriod FiscalYear(int year) => new(MetricCalendar.Fiscal, year);

    public static MetricPeriod CalendarYear(int year) => new(MetricCalendar.Calendar, year);

    public DateOnly Start => Calendar == MetricCalendar.Fiscal ? new DateOnly(Year - 1, 10, 1) : new DateOnly(Year, 1, 1);

    public DateOnly End => Calendar == MetricCalendar.Fiscal ? new DateOnly(Year, 9, 30) : new DateOnly(Year, 12, 31);

    public string Label => (Calendar == MetricCalendar.Fiscal ? "FY" : "CY") + Year.ToString(CultureInfo.InvariantCulture);

    public override string ToString() => Label;
}
