using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Dapper;
using Tally.Datasets.Loading;
using Tally.Datasets.Specs;
using Tally.Datasets.Storage;
using Tally.Storage;

namespace Tally.Datasets.Query;

/// <summary>
/// Registered computed metrics, their aggregates (materialised per metric × vintage × period × dimensions when a
/// metric is registered and whenever a load adds vintages), and the vintage choice behind every answer.
/// </summary>
internal sealed class MetricStore(ServiceDatabase db, DatasetCatalogReader reader)
{
    private const string TotalDims = "";

    /// <summary>Metric keys known to be registered (materialised); registrations are never withdrawn, so this only grows.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _registered = new(StringComparer.Ordinal);

    public async Task RegisterAsync(ComputedMetricSpec metric, CancellationToken cancellationToken)
    {
        var (_, table) = await reader.TableAsync(metric.Dataset, metric.Table, cancellationToken);
        MetricSql.Validate(metric, table.Spec);
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        var stored = metric with { Table = table.Spec.Name };
        await connection.ExecuteAsync(
            """
            INSERT INTO ds_metrics (metric_key, dataset_id, table_name, spec, created_at) VALUES (@Key, @Dataset, @Table, @Spec, @Now)
            ON CONFLICT (metric_key) DO UPDATE SET spec = excluded.spec
            """,
            new { stored.Key, stored.Dataset, stored.Table, Spec = JsonSerializer.Serialize(stored, Json.Options), Now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() }, tx);
        await connection.ExecuteAsync("DELETE FROM ds_aggregates WHERE metric_key = @Key", new { stored.Key }, tx);
        var vintages = (await connection.QueryAsync<string>("SELECT id FROM ds_vintages WHERE dataset_id = @Dataset AND table_name = @Table",
            new { stored.Dataset, stored.Table }, tx)).ToList();
        await MaterialiseOneAsync(connection, tx, stored, table, vintages, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        _registered.TryAdd(stored.Key, true);
    }

    /// <summary>Materialises every registered metric of a table for the given (new) vintages, inside the load's switch transaction.</summary>
    public static async Task MaterialiseAsync(DbConnection connection, DbTransaction tx, string dataset, PhysicalTable table, List<string> vintageIds, CancellationToken cancellationToken)
    {
        if (vintageIds.Count == 0)
        {
            return;
        }

        var specs = await connection.QueryAsync<string>("SELECT spec FROM ds_metrics WHERE dataset_id = @Dataset AND table_name = @Table",
            new { Dataset = dataset, Table = table.Spec.Name }, tx);
        foreach (var json in specs)
        {
            var metric = JsonSerializer.Deserialize<ComputedMetricSpec>(json, Json.Options)!;
            try
            {
                MetricSql.Validate(metric, table.Spec);
            }
            catch (DatasetException)
            {
                continue; // the table's spec changed under the metric; it is computed cold (and fails with the reason) when asked
            }

            await MaterialiseOneAsync(connection, tx, metric, table, vintageIds, cancellationToken);
        }
    }

    private static async Task MaterialiseOneAsync(DbConnection connection, DbTransaction tx, ComputedMetricSpec metric, PhysicalTable table, List<string> vintageIds, CancellationToken cancellationToken)
    {
        foreach (var chunk in vintageIds.Chunk(200))
        {
            var p = Cleanup.Params(chunk, "v");
            var filings = (await connection.QueryAsync<(string Id, string Filing)>(
                $"SELECT id, filing_id FROM ds_vintages WHERE id IN ({string.Join(", ", chunk.Select((_, i) => "@v" + i))})", p, tx)).ToDictionary(x => x.Filing, x => x.Id);
            var rows = new List<object>();
            foreach (var withDims in metric.Dimensions.IsDefaultOrEmpty ? [false] : new[] { false, true })
            {
                var compiled = MetricSql.PerVintage(metric, table, filings.Keys.ToList(), null, withDims);
                foreach (IDictionary<string, object?> r in await connection.QueryAsync(new CommandDefinition(compiled.Sql, compiled.Builder.Parameters, tx, cancellationToken: cancellationToken)))
                {
                    rows.Add(new
                    {
                        Key = metric.Key,
                        Vintage = filings[(string)r["f"]!],
                        Period = Convert.ToInt64(r["period"], CultureInfo.InvariantCulture),
                        Dims = withDims ? DimsKey(metric.Dimensions.Select((_, i) => r["d" + i])) : TotalDims,
                        Value = r["value"] is null or DBNull ? (double?)null : TableChecks.Num(r["value"]),
                        Rows = Convert.ToInt64(r["n"], CultureInfo.InvariantCulture),
                    });
                }
            }

            await connection.ExecuteAsync(
                "INSERT INTO ds_aggregates (metric_key, vintage_id, period, dims, value, row_count) VALUES (@Key, @Vintage, @Period, @Dims, @Value, @Rows)",
                rows, tx);
        }
    }

    internal static string DimsKey(IEnumerable<object?> values) => JsonSerializer.Serialize(values.Select(v => v is null or DBNull ? null : TableChecks.Text(v)).ToList());

    /// <summary>Registers the metric unless a metric with the same computation key is registered already; true when it registered it now.</summary>
    public async Task<bool> EnsureRegisteredAsync(ComputedMetricSpec metric, CancellationToken cancellationToken)
    {
        if (_registered.ContainsKey(metric.Key))
        {
            return false;
        }

        await using (var connection = await db.OpenAsync(cancellationToken))
        {
            if (await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM ds_metrics WHERE metric_key = @Key", new { metric.Key }) > 0)
            {
                _registered.TryAdd(metric.Key, true);
                return false;
            }
        }

        await RegisterAsync(metric, cancellationToken);
        return true;
    }

    public async Task<ComputedMetricResult> ComputeAsync(ComputedMetricSpec metric, MetricPeriod period, CancellationToken cancellationToken) =>
        (await ComputeManyAsync(metric, [period], cancellationToken))[0];

    /// <summary>
    /// The metric for each of <paramref name="periods"/> (null: every year a vintage of the table covers, oldest first),
    /// reading the table's vintages and findings once.
    /// </summary>
    public async Task<IReadOnlyList<ComputedMetricResult>> ComputeManyAsync(ComputedMetricSpec metric, IReadOnlyList<MetricPeriod>? periods, CancellationToken cancellationToken)
    {
        foreach (var period in periods ?? [])
        {
            if (metric.Calendar != period.Calendar && metric.DateColumn is not null)
            {
                throw new DatasetException(DatasetErrorKind.InvalidArgument,
                    $"Metric '{metric.Id}' counts {(metric.Calendar == MetricCalendar.Fiscal ? "fiscal" : "calendar")} years; {period.Label} is not one. Ask for {(metric.Calendar == MetricCalendar.Fiscal ? "FY" : "CY")}{period.Year}.");
            }
        }

        var (spec, table, vintages) = await reader.TableWithVintagesAsync(metric.Dataset, metric.Table, cancellationToken);
        metric = metric with { Table = table.Spec.Name };
        MetricSql.Validate(metric, table.Spec);
        var periodSpec = spec.Table(table.Spec.Name)!.Period;
        await using var connection = await db.OpenAsync(cancellationToken);
        var registered = _registered.ContainsKey(metric.Key)
            || await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM ds_metrics WHERE metric_key = @Key", new { metric.Key }) > 0;
        if (registered)
        {
            _registered.TryAdd(metric.Key, true); // a registration is never withdrawn
        }

        if (periods is null)
        {
            // The years the vintages' recorded ranges reach, plus those the metric has rows in (materialised, or one scan).
            var years = CoveredPeriods(metric, periodSpec, vintages).Select(p => p.Year).ToHashSet();
            if (registered)
            {
                years.UnionWith((await connection.QueryAsync<long>("SELECT DISTINCT period FROM ds_aggregates WHERE metric_key = @Key AND dims = @Dims",
                    new { metric.Key, Dims = TotalDims })).Select(y => (int)y));
            }
            else if (years.Count == 0 && vintages.Count > 0)
            {
                var all = MetricSql.PerVintage(metric, table, vintages.Select(v => v.Row.FilingId).ToList(), null, withDimensions: false);
                foreach (IDictionary<string, object?> r in await connection.QueryAsync(new CommandDefinition(all.Sql, all.Builder.Parameters, cancellationToken: cancellationToken)))
                {
                    years.Add(Convert.ToInt32(r["period"], CultureInfo.InvariantCulture));
                }
            }

            periods = [.. years.Order().Select(y => new MetricPeriod(metric.Calendar, y))];
        }

        var results = new List<ComputedMetricResult>(periods.Count);
        foreach (var period in periods)
        {
            results.Add(await ComputeOneAsync(connection, metric, table, periodSpec, vintages, registered, period, cancellationToken));
        }

        return results;
    }

    /// <summary>Years (in the metric's calendar) that some vintage's rows reach, from the vintages' recorded date ranges and fiscal years.</summary>
    private static List<MetricPeriod> CoveredPeriods(ComputedMetricSpec metric, PeriodSpec? periodSpec, List<DatasetCatalogReader.Vintage> vintages)
    {
        var years = new SortedSet<int>();
        foreach (var v in vintages)
        {
            if (metric.DateColumn is not null && metric.DateColumn == periodSpec?.DateColumn && v.Row.PeriodStart is { } s && v.Row.PeriodEnd is { } e)
            {
                var from = YearOf(DateOnly.ParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture), metric.Calendar);
                var to = YearOf(DateOnly.ParseExact(e, "yyyy-MM-dd", CultureInfo.InvariantCulture), metric.Calendar);
                for (var y = from; y <= to && y - from < 200; y++)
                {
                    years.Add(y);
                }
            }
            else if (metric.Calendar == MetricCalendar.Fiscal || metric.PeriodColumn is not null)
            {
                years.UnionWith(v.Row.Years);
            }
        }

        return [.. years.Select(y => new MetricPeriod(metric.Calendar, y))];
    }

    private static int YearOf(DateOnly date, MetricCalendar calendar) => calendar == MetricCalendar.Fiscal && date.Month >= 10 ? date.Year + 1 : date.Year;

    private static async Task<ComputedMetricResult> ComputeOneAsync(DbConnection connection, ComputedMetricSpec metric, PhysicalTable table, PeriodSpec? periodSpec,
        List<DatasetCatalogReader.Vintage> vintages, bool registered, MetricPeriod period, CancellationToken cancellationToken)
    {
        var compiled = MetricSql.PerVintage(metric, table, vintages.Select(v => v.Row.FilingId).ToList(), period, withDimensions: false);
        var values = new Dictionary<string, (double? Value, long Rows)>(StringComparer.Ordinal);
        if (registered)
        {
            foreach (var r in await connection.QueryAsync<(string Vintage, double? Value, long Rows)>(
                "SELECT vintage_id, value, row_count FROM ds_aggregates WHERE metric_key = @Key AND period = @Period AND dims = @Dims",
                new { metric.Key, Period = (long)period.Year, Dims = TotalDims }))
            {
                values[r.Vintage] = (r.Value, r.Rows);
            }
        }
        else if (vintages.Count > 0)
        {
            var byFiling = vintages.ToDictionary(v => v.Row.FilingId, v => v.Row.Id);
            foreach (IDictionary<string, object?> r in await connection.QueryAsync(new CommandDefinition(compiled.Sql, compiled.Builder.Parameters, cancellationToken: cancellationToken)))
            {
                values[byFiling[(string)r["f"]!]] = (r["value"] is null or DBNull ? null : TableChecks.Num(r["value"]), Convert.ToInt64(r["n"], CultureInfo.InvariantCulture));
            }
        }

        bool Covers(DatasetCatalogReader.Vintage v)
        {
            if (values.ContainsKey(v.Row.Id))
            {
                return true;
            }

            if (metric.DateColumn is not null && metric.DateColumn == periodSpec?.DateColumn && v.Row.PeriodStart is { } s && v.Row.PeriodEnd is { } e)
            {
                return string.CompareOrdinal(s, period.End.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)) <= 0
                    && string.CompareOrdinal(e, period.Start.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)) >= 0;
            }

            return metric.PeriodColumn is not null && metric.PeriodColumn == periodSpec?.FiscalYearColumn && v.Row.Years.Contains(period.Year);
        }

        VintageValue Describe(DatasetCatalogReader.Vintage v)
        {
            var (value, rows) = values.TryGetValue(v.Row.Id, out var x) ? x : (metric.Measure.Kind == MeasureKind.Mean ? null : 0, 0);
            return new VintageValue(v.Row.Id, v.Row.Label, v.Row.Date, v.Row.Published, value, rows,
                v.Row.Date is { } d && d < period.End, v.Row.Suspect != 0, v.Errors, v.Files, v.SnapshotId);
        }

        var candidates = vintages.Where(Covers)
            .OrderByDescending(v => v.Row.VintageDate, StringComparer.Ordinal).ThenByDescending(v => v.Row.PublishedDate, StringComparer.Ordinal)
            .ThenByDescending(v => v.Row.Label, StringComparer.Ordinal).ToList();
        DatasetCatalogReader.Vintage? chosen;
        var usedSuspect = false;
        if (metric.Vintage.Pinned is { } pin)
        {
            var pinned = vintages.Where(v => v.Row.Label == pin || v.Row.VintageDate == pin).OrderBy(v => v.Row.Suspect).ThenBy(v => v.Row.Label, StringComparer.Ordinal).ToList();
            chosen = pinned.FirstOrDefault() ?? throw new DatasetException(DatasetErrorKind.NotFound,
                $"Metric '{metric.Id}' pins vintage '{pin}', but table '{table.Spec.Name}' of '{metric.Dataset}' has no such vintage. Nearest: {string.Join(", ", Nearest(vintages.Select(v => v.Row.Label), pin))}.");
            usedSuspect = chosen.Row.Suspect != 0;
        }
        else
        {
            chosen = candidates.FirstOrDefault(v => v.Row.Suspect == 0);
        }

        var chosenValue = chosen is null ? null : Describe(chosen);
        var others = candidates.Where(v => v != chosen).Select(Describe).ToList();
        var skipped = others.Where(o => o.Suspect && (chosenValue is null || string.CompareOrdinal(o.VintageDate?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), chosenValue.VintageDate?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)) >= 0)).ToList();

        var byDimension = new List<DimensionValue>();
        if (chosen is not null && !metric.Dimensions.IsDefaultOrEmpty)
        {
            if (registered)
            {
                foreach (var r in await connection.QueryAsync<(string Dims, double? Value, long Rows)>(
                    "SELECT dims, value, row_count FROM ds_aggregates WHERE metric_key = @Key AND period = @Period AND vintage_id = @Vintage AND dims <> ''",
                    new { metric.Key, Period = (long)period.Year, Vintage = chosen.Row.Id }))
                {
                    var dims = JsonSerializer.Deserialize<List<string?>>(r.Dims)!;
                    byDimension.Add(new DimensionValue(metric.Dimensions.Select((d, i) => (d, dims[i])).ToDictionary(x => x.d, x => x.Item2), r.Value, r.Rows));
                }
            }
            else
            {
                var dimsSql = MetricSql.PerVintage(metric, table, [chosen.Row.FilingId], period, withDimensions: true);
                foreach (IDictionary<string, object?> r in await connection.QueryAsync(new CommandDefinition(dimsSql.Sql, dimsSql.Builder.Parameters, cancellationToken: cancellationToken)))
                {
                    byDimension.Add(new DimensionValue(metric.Dimensions.Select((d, i) => (d, r["d" + i] is null or DBNull ? null : TableChecks.Text(r["d" + i]))).ToDictionary(x => x.d, x => x.Item2),
                        r["value"] is null or DBNull ? null : TableChecks.Num(r["value"]), Convert.ToInt64(r["n"], CultureInfo.InvariantCulture)));
                }
            }

            byDimension = [.. byDimension.OrderBy(d => string.Join("\u001f", d.Dimensions.Values), StringComparer.Ordinal)];
        }

        return new ComputedMetricResult(metric, period, chosenValue?.Value, chosenValue?.RowCount ?? 0, chosenValue, chosenValue?.YearToDate ?? false, usedSuspect,
            byDimension, others, skipped, Explain(metric, period, chosenValue, usedSuspect, others, skipped), registered, compiled.Sql,
            compiled.Builder.Parameters.ParameterNames.ToDictionary(n => n, n => compiled.Builder.Parameters.Get<object?>(n), StringComparer.Ordinal));
    }

    /// <summary>
    /// The first stored row (by row number) the metric counts in one vintage for the period: its file, sheet and row
    /// number, for a citation that points into the uploaded file. Null when the vintage has no such row.
    /// </summary>
    public async Task<CountedRow?> FirstCountedRowAsync(ComputedMetricSpec metric, string vintageId, MetricPeriod period, CancellationToken cancellationToken)
    {
        var (_, table) = await reader.TableAsync(metric.Dataset, metric.Table, cancellationToken);
        metric = metric with { Table = table.Spec.Name };
        MetricSql.Validate(metric, table.Spec);
        await using var connection = await db.OpenAsync(cancellationToken);
        var filing = await connection.QueryFirstOrDefaultAsync<(string Filing, string File)>(
            "SELECT v.filing_id, f.file_name FROM ds_vintages v JOIN ds_filings f ON f.id = v.filing_id WHERE v.id = @Id", new { Id = vintageId });
        if (filing.Filing is null)
        {
            return null;
        }

        var sql = new SqlBuilder();
        var where = new List<string>
        {
            $"t.{PhysicalTable.Q(PhysicalTable.FilingColumn)} = {sql.Param(filing.Filing)}",
            MetricSql.Filters(sql, table.Spec, metric.Filters),
        };
        if (metric.PeriodColumn is { } pc)
        {
            where.Add($"t.{PhysicalTable.Q(pc)} = {sql.Param((long)period.Year)}");
        }
        else
        {
            where.Add($"t.{PhysicalTable.Q(metric.DateColumn!)} >= {sql.Param(period.Start.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))}");
            where.Add($"t.{PhysicalTable.Q(metric.DateColumn!)} <= {sql.Param(period.End.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))}");
        }

        var row = await connection.QueryFirstOrDefaultAsync<(string? Sheet, long Row)?>(new CommandDefinition(
            $"SELECT t.{PhysicalTable.Q(PhysicalTable.SheetColumn)}, t.{PhysicalTable.Q(PhysicalTable.RowColumn)} FROM {table.Quoted} t " +
            $"WHERE {string.Join(" AND ", where)} ORDER BY t.{PhysicalTable.Q(PhysicalTable.RowColumn)} LIMIT 1",
            sql.Parameters, cancellationToken: cancellationToken));
        return row is { } r ? new CountedRow(filing.File, r.Sheet, r.Row) : null;
    }

    private static string Explain(ComputedMetricSpec metric, MetricPeriod period, VintageValue? chosen, bool usedSuspect, List<VintageValue> others, List<VintageValue> skipped)
    {
        static string Codes(VintageValue v) => string.Join(", ", v.Errors.Select(e => e.Code).Distinct());
        if (chosen is null)
        {
            return others.Count == 0
                ? $"No vintage of {metric.Dataset}/{metric.Table} covers {period.Label}."
                : $"No vintage of {metric.Dataset}/{metric.Table} that passed validation covers {period.Label}; {others.Count} suspect vintage(s) do and were not used: " +
                  string.Join("; ", others.Select(o => $"{o.Label} ({Codes(o)})")) + ".";
        }

        var text = $"{period.Label}: {Format(chosen.Value)} ({metric.Measure}) from vintage {chosen.Label}" +
                   (chosen.YearToDate ? $", year to date: the vintage is dated {chosen.VintageDate:yyyy-MM-dd}, before {period.Label} ended" : "") + ".";
        if (usedSuspect)
        {
            text += $" The vintage was pinned and is used as asked, but it is suspect: {string.Join(" ", chosen.Errors.Select(e => e.Message))}";
        }

        if (skipped.Count > 0)
        {
            text += $" Skipped as suspect: {string.Join("; ", skipped.Select(s => $"{s.Label} ({Codes(s)})"))}.";
        }

        var agreeing = others.Where(o => !o.Suspect).ToList();
        if (agreeing.Count > 0)
        {
            text += $" {agreeing.Count} other vintage(s) cover {period.Label} (values {Format(agreeing.Min(o => o.Value))} to {Format(agreeing.Max(o => o.Value))}).";
        }

        return text;
    }

    private static string Format(double? value) => value is null ? "no value" : value.Value.ToString(value.Value == Math.Floor(value.Value) ? "N0" : "N2", CultureInfo.InvariantCulture);

    internal static IEnumerable<string> Nearest(IEnumerable<string> names, string wanted) =>
        names.OrderBy(n => Distance(n, wanted)).ThenBy(n => n, StringComparer.Ordinal).Take(3);

    private static int Distance(string a, string b)
    {
        var d = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            d[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            var prev = d[0];
            d[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var tmp = d[j];
                d[j] = Math.Min(Math.Min(d[j] + 1, d[j - 1] + 1), prev + (a[i - 1] == b[j - 1] ? 0 : 1));
                prev = tmp;
            }
        }

        return d[b.Length];
    }
}
