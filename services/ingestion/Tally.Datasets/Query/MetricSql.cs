using Tally.Datasets.Specs;
using Tally.Datasets.Storage;

namespace Tally.Datasets.Query;

/// <summary>Compiled aggregation: SQL text (identical for SQLite and PostgreSQL) plus its parameters.</summary>
internal sealed record CompiledSql(string Sql, SqlBuilder Builder);

/// <summary>
/// Compiles computed metrics and ad-hoc dataset queries to one parameterised SQL that runs unchanged on SQLite
/// and PostgreSQL: dates are ISO text, so years, fiscal years, quarters and months are substr arithmetic.
/// </summary>
internal static class MetricSql
{
    public static string Year(string dateColumn) => $"CAST(substr(t.{PhysicalTable.Q(dateColumn)}, 1, 4) AS INTEGER)";

    public static string Month(string dateColumn) => $"CAST(substr(t.{PhysicalTable.Q(dateColumn)}, 6, 2) AS INTEGER)";

    /// <summary>US federal fiscal year of a date: the calendar year, plus one from October.</summary>
    public static string FiscalYear(string dateColumn) => $"({Year(dateColumn)} + CASE WHEN {Month(dateColumn)} >= 10 THEN 1 ELSE 0 END)";

    public static string Aggregate(MetricMeasure measure) => measure.Kind switch
    {
        MeasureKind.Count => "COUNT(*)",
        MeasureKind.Sum => $"SUM(t.{PhysicalTable.Q(measure.Column!)})",
        MeasureKind.CountDistinct => $"COUNT(DISTINCT t.{PhysicalTable.Q(measure.Column!)})",
        _ => $"AVG(t.{PhysicalTable.Q(measure.Column!)})",
    };

    /// <summary>Checks that a metric fits the table it reads: every column exists with a usable type.</summary>
    public static void Validate(ComputedMetricSpec metric, TableSpec table)
    {
        string Need(string? column, string role, params ColumnType[] types)
        {
            var c = table.Column(column!) ?? throw new DatasetException(DatasetErrorKind.InvalidArgument,
                $"Metric '{metric.Id}' uses column '{column}' as its {role}, but table '{table.Name}' of dataset '{metric.Dataset}' has no such column. Columns: {string.Join(", ", table.Columns.Select(x => x.Name))}.");
            if (types.Length > 0 && !types.Contains(c.Type))
            {
                throw new DatasetException(DatasetErrorKind.InvalidArgument,
                    $"Metric '{metric.Id}' uses column '{column}' as its {role}, which must be {string.Join(" or ", types.Select(t => t.ToString().ToLowerInvariant()))}; it is {c.Type.ToString().ToLowerInvariant()}.");
            }

            return c.Name;
        }

        if ((metric.PeriodColumn is null) == (metric.DateColumn is null))
        {
            throw new DatasetException(DatasetErrorKind.InvalidArgument, $"Metric '{metric.Id}' needs exactly one of a period column (a year) and a date column.");
        }

        if (metric.PeriodColumn is not null)
        {
            Need(metric.PeriodColumn, "period column", ColumnType.Int);
        }
        else
        {
            Need(metric.DateColumn, "date column", ColumnType.Date);
        }

        if (metric.Measure.Kind is MeasureKind.Sum or MeasureKind.Mean)
        {
            Need(metric.Measure.Column, "measure", ColumnType.Int, ColumnType.Decimal);
        }
        else if (metric.Measure.Kind == MeasureKind.CountDistinct)
        {
            Need(metric.Measure.Column, "distinct-count column");
        }

        foreach (var f in metric.Filters)
        {
            var column = table.Column(Need(f.Column, "filter"))!;
            foreach (var v in f.Values.Where(v => v.Length > 0))
            {
                _ = SqlBuilder.Typed(column, v);
                if (column.Type == ColumnType.Enum && !column.AllowedValues.Contains(v, StringComparer.Ordinal))
                {
                    throw new DatasetException(DatasetErrorKind.InvalidArgument,
                        $"Metric '{metric.Id}' filters {f.Column} on '{v}', which is not one of its values ({string.Join(", ", column.AllowedValues.Where(a => a.Length > 0))}); check the spelling.");
                }
            }
        }

        foreach (var d in metric.Dimensions)
        {
            Need(d, "dimension");
        }
    }

    public static string PeriodExpression(ComputedMetricSpec metric) =>
        metric.PeriodColumn is { } p
            ? $"t.{PhysicalTable.Q(p)}"
            : metric.Calendar == MetricCalendar.Fiscal ? FiscalYear(metric.DateColumn!) : Year(metric.DateColumn!);

    public static string Filters(SqlBuilder sql, TableSpec table, IEnumerable<MetricFilter> filters)
    {
        var parts = new List<string>();
        foreach (var f in filters)
        {
            var column = table.Column(f.Column)!;
            parts.Add(f.Operator switch
            {
                FilterOperator.In => sql.In(column, f.Values, "t"),
                FilterOperator.NotIn => sql.In(column, f.Values, "t", negate: true),
                FilterOperator.IsEmpty => $"t.{PhysicalTable.Q(f.Column)} IS NULL",
                _ => $"t.{PhysicalTable.Q(f.Column)} IS NOT NULL",
            });
        }

        return parts.Count == 0 ? "1 = 1" : string.Join(" AND ", parts.Select(p => "(" + p + ")"));
    }

    /// <summary>
    /// Value per filing × period (× dimensions when <paramref name="withDimensions"/>): one scan over the chosen
    /// filings. With <paramref name="period"/> only that period is read (a range on the date column, or equality on
    /// the period column, so an index can serve it).
    /// </summary>
    public static CompiledSql PerVintage(ComputedMetricSpec metric, PhysicalTable table, IReadOnlyList<string> filingIds, MetricPeriod? period, bool withDimensions)
    {
        var sql = new SqlBuilder();
        var periodExpr = PeriodExpression(metric);
        var dims = withDimensions ? metric.Dimensions : [];
        var select = new List<string> { $"t.{PhysicalTable.Q(PhysicalTable.FilingColumn)} AS f", $"{periodExpr} AS period" };
        select.AddRange(dims.Select((d, i) => $"t.{PhysicalTable.Q(d)} AS d{i}"));
        select.Add($"{Aggregate(metric.Measure)} AS value");
        select.Add("COUNT(*) AS n");
        var where = new List<string>
        {
            $"t.{PhysicalTable.Q(PhysicalTable.FilingColumn)} IN ({sql.List(filingIds)})",
            Filters(sql, table.Spec, metric.Filters),
        };
        if (metric.PeriodColumn is { } pc)
        {
            where.Add(period is null ? $"t.{PhysicalTable.Q(pc)} IS NOT NULL" : $"t.{PhysicalTable.Q(pc)} = {sql.Param((long)period.Year)}");
        }
        else if (period is null)
        {
            where.Add($"t.{PhysicalTable.Q(metric.DateColumn!)} IS NOT NULL");
        }
        else
        {
            where.Add($"t.{PhysicalTable.Q(metric.DateColumn!)} >= {sql.Param(period.Start.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture))}");
            where.Add($"t.{PhysicalTable.Q(metric.DateColumn!)} <= {sql.Param(period.End.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture))}");
        }

        var groupBy = new List<string> { $"t.{PhysicalTable.Q(PhysicalTable.FilingColumn)}", periodExpr };
        groupBy.AddRange(dims.Select(d => $"t.{PhysicalTable.Q(d)}"));
        return new CompiledSql(
            $"SELECT {string.Join(", ", select)} FROM {table.Quoted} t WHERE {string.Join(" AND ", where)} GROUP BY {string.Join(", ", groupBy)}",
            sql);
    }
}
