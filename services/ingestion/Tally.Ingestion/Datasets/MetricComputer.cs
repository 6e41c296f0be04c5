using System.Collections.Concurrent;
using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tally.Citations.V1;
using Tally.Common.V1;
using Tally.Datasets;
using Tally.Datasets.Query;
using Tally.Definitions.V1;
using Tally.Grpc;
using Tally.Ingestion.Storage;
using Tally.Ingestion.V1;
using Tally.Security;
using EngineVintage = Tally.Datasets.Query.VintageValue;
using MetricPeriod = Tally.Datasets.Query.MetricPeriod;
using Period = Tally.Common.V1.Period;
using VintageValue = Tally.Common.V1.VintageValue;

namespace Tally.Ingestion.Datasets;

/// <summary>
/// The ComputeMetric rpc: a metric definition's computation (ComputedSource) compiled for the dataset engine, registered
/// once so its aggregates are materialised (warm answers read a few rows), evaluated per year, and turned into figures
/// that cite the uploaded file: the first stored row the metric counts, quoted from the snapshot's text and recorded
/// with the citation service (so it verifies like any citation).
/// </summary>
internal sealed partial class MetricComputer(
    DatasetEngine engine,
    SnapshotStore snapshots,
    CitationService.CitationServiceClient citations,
    IOptions<IngestionOptions> options,
    TimeProvider time,
    ILogger<MetricComputer> logger) : IDisposable
{
    /// <summary>Most citations kept in memory; the cache is cleared when it grows past this (snapshots never change, so entries never go stale).</summary>
    private const int MaxCachedCitations = 10_000;

    private readonly ConcurrentDictionary<string, Citation> _citations = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _registering = new(1, 1);

    public async Task<ComputeMetricResponse> ComputeAsync(ComputeMetricRequest request, CancellationToken ct)
    {
        var metricId = request.MetricId.Trim();
        if (metricId.Length == 0)
        {
            throw Invalid("metric_id is empty: name the metric the computation belongs to (e.g. \"ice-releases-convicted\").");
        }

        var spec = ToSpec(metricId, request.Computation ?? throw Invalid("computation is not set: pass the metric definition's ComputedSource."));
        var periods = request.Periods.Count == 0 ? null : request.Periods.Select(p => ToPeriod(p, spec)).ToList();
        var response = new ComputeMetricResponse { Dataset = spec.Dataset, Table = spec.Table };
        try
        {
            await EnsureRegisteredAsync(spec, ct);
        }
        catch (DatasetException e) when (e.Kind == DatasetErrorKind.NotFound)
        {
            response.Loaded = false;
            response.Message = e.Message;
            return response;
        }
        catch (DatasetException e)
        {
            throw ToRpc(e);
        }

        IReadOnlyList<ComputedMetricResult> results;
        try
        {
            results = await engine.ComputeManyAsync(spec, periods, ct);
        }
        catch (DatasetException e)
        {
            throw ToRpc(e);
        }

        response.Loaded = true;
        response.Table = results.Count > 0 ? results[0].Metric.Table : spec.Table;
        var now = Timestamp.FromDateTimeOffset(time.GetUtcNow());
        var unit = request.Unit.Trim().Length == 0 ? "count" : request.Unit.Trim();
        foreach (var r in results)
        {
            var year = new ComputedYear { Period = PeriodOf(r), Computation = ComputationOf(r) };
            if (r.Value is { } value && r.Vintage is { } used)
            {
                year.HasValue = true;
                var figure = new Figure
                {
                    Id = $"computed:{metricId}:{r.Period.Label}:{used.Label}",
                    MetricId = metricId,
                    DefinitionVersion = request.DefinitionVersion,
                    Period = year.Period,
                    Value = value,
                    Qualifier = Qualifier.Exact,
                    Status = r.YearToDate ? FigureStatus.YearToDate : FigureStatus.Final,
                    Unit = unit,
                    SnapshotId = used.SnapshotId ?? "",
                    Vintage = used.Label,
                    // The computation is the catalog definition a person reviewed, applied to the publisher's own table.
                    ReviewState = ReviewState.Reviewed,
                    RecordedAt = now,
                };
                if (await CiteAsync(r.Metric, r, ct) is { } citation)
                {
                    figure.Citations.Add(citation);
                    figure.SourceId = citation.SourceId;
                }

                year.Figure = figure;
            }

            response.Years.Add(year);
        }

        return response;
    }

    public void Dispose() => _registering.Dispose();

    private async Task EnsureRegisteredAsync(ComputedMetricSpec spec, CancellationToken ct)
    {
        await _registering.WaitAsync(ct);
        try
        {
            if (await engine.EnsureMetricRegisteredAsync(spec, ct))
            {
                LogRegistered(logger, spec.Id, spec.Dataset, spec.Table);
            }
        }
        finally
        {
            _registering.Release();
        }
    }

    // ---- citations ------------------------------------------------------------------------------------------------

    /// <summary>
    /// A citation of the vintage's uploaded file: the first row the metric counts, quoted verbatim from the snapshot's
    /// text and recorded with the citation service. Without stored text (workbooks, oversize files) the citation names
    /// the file and row but has no id, so answers show it unverified. Null when the vintage has no snapshot.
    /// </summary>
    private async Task<Citation?> CiteAsync(ComputedMetricSpec spec, ComputedMetricResult r, CancellationToken ct)
    {
        var vintage = r.Vintage!;
        if (vintage.SnapshotId is not { Length: > 0 } snapshotId)
        {
            return null;
        }

        var key = string.Join('\u001f', snapshotId, vintage.VintageId, spec.Key, r.Period.Label);
        if (_citations.TryGetValue(key, out var cached))
        {
            return cached;
        }

        var row = await engine.FirstCountedRowAsync(spec, vintage.VintageId, r.Period, ct);
        var snapshot = row is null ? null : await snapshots.FindAsync(snapshotId, includeText: true, ct);
        if (row is null || snapshot is null)
        {
            return null;
        }

        var locator = new Locator
        {
            Table = row.Sheet is null ? spec.Table : $"{spec.Table} (sheet {row.Sheet})",
            Row = row.RowNumber.ToString(CultureInfo.InvariantCulture),
            Column = spec.Measure.Column ?? "",
        };
        var fragment = snapshot.Text is { Length: > 0 } text ? Record(text, row.RowNumber) : null;
        if (fragment is null)
        {
            return new Citation { SnapshotId = snapshotId, SourceId = snapshot.SourceId, Locator = locator, Fragment = $"{row.FileName}, row {row.RowNumber}" };
        }

        try
        {
            // The citation is the service's own record of where a computed figure came from: made as the service, so a
            // reader's question (which may not create citations) still gets a citation the citation service can format.
            using var asService = OutgoingCredentials.AsService();
            var created = await citations.CreateCitationAsync(new CreateCitationRequest { SnapshotId = snapshotId, Locator = locator, Fragment = fragment },
                deadline: DateTime.UtcNow.AddSeconds(options.Value.ServiceCallTimeoutSeconds), cancellationToken: ct);
            if (_citations.Count >= MaxCachedCitations)
            {
                _citations.Clear();
            }

            _citations[key] = created.Citation;
            return created.Citation;
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled)
        {
            LogCitationFailed(logger, snapshotId, e.StatusCode, e.Status.Detail);
            return new Citation { SnapshotId = snapshotId, SourceId = snapshot.SourceId, Locator = locator, Fragment = fragment };
        }
    }

    /// <summary>
    /// The row of a CSV/TSV text that starts on line <paramref name="lineNumber"/> (1-based: the engine numbers rows by
    /// the line they start on), up to its end: a line break outside double quotes, so a quoted cell spanning lines stays
    /// in its row. Null past the end or for an empty line.
    /// </summary>
    internal static string? Record(string text, long lineNumber)
    {
        var start = 0;
        for (var line = 1L; line < lineNumber; line++)
        {
            var next = text.IndexOf('\n', start);
            if (next < 0)
            {
                return null;
            }

            start = next + 1;
        }

        var quoted = false;
        var end = start;
        while (end < text.Length && (quoted || text[end] != '\n'))
        {
            quoted ^= text[end] == '"';
            end++;
        }

        var row = text[start..end].TrimEnd('\r');
        return row.Length == 0 ? null : row.Length > 2000 ? row[..2000] : row;
    }

    // ---- mapping ----------------------------------------------------------------------------------------------------

    internal static ComputedMetricSpec ToSpec(string metricId, ComputedSource c)
    {
        var dataset = c.Dataset.Trim();
        var table = c.Table.Trim();
        if (table.Length == 0 && dataset.IndexOf('/', StringComparison.Ordinal) is var slash and > 0)
        {
            (dataset, table) = (dataset[..slash], dataset[(slash + 1)..]);
        }

        if (dataset.Length == 0)
        {
            throw Invalid($"computation.dataset is empty for metric '{metricId}': name the dataset as ingested (e.g. \"ice-detention-stats\").");
        }

        if (c.ExcludedVintages.Count > 0)
        {
            throw Invalid($"computation.excluded_vintages is not supported for metric '{metricId}': vintages that fail validation are skipped (and named) by themselves; pin a vintage instead.");
        }

        var measure = c.Measure?.Aggregation switch
        {
            DatasetMeasure.Types.Aggregation.CountRows => MetricMeasure.Count,
            DatasetMeasure.Types.Aggregation.Sum => new MetricMeasure(MeasureKind.Sum, c.Measure.Column),
            DatasetMeasure.Types.Aggregation.CountDistinct => new MetricMeasure(MeasureKind.CountDistinct, c.Measure.Column),
            DatasetMeasure.Types.Aggregation.Mean => new MetricMeasure(MeasureKind.Mean, c.Measure.Column),
            _ => throw Invalid($"computation.measure.aggregation is not set for metric '{metricId}': use COUNT_ROWS, SUM, COUNT_DISTINCT or MEAN."),
        };
        var filters = DatasetFilters.ToEngine(c.Filters, $" of metric '{metricId}'");
        var calendar = c.Calendar switch
        {
            PeriodBasis.FiscalYearUsFederal => MetricCalendar.Fiscal,
            PeriodBasis.CalendarYear => MetricCalendar.Calendar,
            _ => throw Invalid($"computation.calendar of metric '{metricId}' is {c.Calendar}; computed metrics are answered per FISCAL_YEAR_US_FEDERAL or CALENDAR_YEAR."),
        };
        var vintage = c.VintageRule == ComputedSource.Types.VintageRule.Pinned
            ? new VintageRule(c.PinnedVintage.Trim().Length > 0 ? c.PinnedVintage.Trim() : throw Invalid($"computation.pinned_vintage is empty for metric '{metricId}', whose vintage_rule is PINNED."))
            : VintageRule.LatestValid;
        return new ComputedMetricSpec(metricId, dataset, table, [.. filters], measure,
            c.PeriodColumn.Trim().Length > 0 ? c.PeriodColumn.Trim() : null,
            c.DateColumn.Trim().Length > 0 ? c.DateColumn.Trim() : null,
            calendar, [.. c.DimensionColumns], vintage);
    }

    private static MetricPeriod ToPeriod(Period p, ComputedMetricSpec spec) => p.Kind switch
    {
        PeriodKind.FiscalYear when p.FiscalYear is >= 1900 and <= 2100 => MetricPeriod.FiscalYear(p.FiscalYear),
        PeriodKind.CalendarYear when p.CalendarYear is >= 1900 and <= 2100 => MetricPeriod.CalendarYear(p.CalendarYear),
        _ => throw Invalid($"periods: {(p.Label.Length > 0 ? p.Label : p.Kind.ToString())} is not a year; metric '{spec.Id}' is computed per " +
                           $"{(spec.Calendar == MetricCalendar.Fiscal ? "FISCAL_YEAR (set fiscal_year)" : "CALENDAR_YEAR (set calendar_year)")}."),
    };

    private static Period PeriodOf(ComputedMetricResult r)
    {
        var fiscal = r.Period.Calendar == MetricCalendar.Fiscal;
        var end = r.YearToDate && r.Vintage?.VintageDate is { } pulled ? pulled : r.Period.End;
        var p = new Period
        {
            Kind = fiscal ? PeriodKind.FiscalYear : PeriodKind.CalendarYear,
            FiscalYear = fiscal ? r.Period.Year : 0,
            CalendarYear = fiscal ? 0 : r.Period.Year,
            StartDate = Iso(r.Period.Start),
            EndDate = Iso(end),
            YearToDate = r.YearToDate,
            Label = r.YearToDate ? $"{r.Period.Label} through {Iso(end)}" : r.Period.Label,
        };
        return p;
    }

    private static Computation ComputationOf(ComputedMetricResult r)
    {
        var m = r.Metric;
        var c = new Computation
        {
            Dataset = m.Dataset,
            Table = m.Table,
            Measure = m.Measure.ToString(),
            DateColumn = m.DateColumn ?? m.PeriodColumn ?? "",
            VintageRule = m.Vintage.ToString(),
            UsedSuspectVintage = r.UsedSuspectVintage,
            Explanation = r.Explanation,
            Sql = r.Sql,
            FromMaterialised = r.FromMaterialised,
        };
        c.Filters.AddRange(m.Filters.Select(f =>
        {
            var proto = new DatasetFilter
            {
                Column = f.Column,
                Operator = f.Operator switch
                {
                    FilterOperator.In => f.Values.Length == 1 ? DatasetFilter.Types.Operator.Equals : DatasetFilter.Types.Operator.In,
                    FilterOperator.NotIn => f.Values.Length == 1 ? DatasetFilter.Types.Operator.NotEquals : DatasetFilter.Types.Operator.NotIn,
                    FilterOperator.IsEmpty => DatasetFilter.Types.Operator.IsEmpty,
                    _ => DatasetFilter.Types.Operator.NotEmpty,
                },
            };
            proto.Values.AddRange(f.Values);
            return proto;
        }));
        if (r.Vintage is { } used)
        {
            c.Used = ToProto(used);
        }

        c.OtherVintages.AddRange(r.OtherVintages.Select(ToProto));
        c.SkippedVintages.AddRange(r.OtherVintages.Where(v => v.Suspect).Select(ToProto));
        return c;
    }

    private static VintageValue ToProto(EngineVintage v)
    {
        var p = new VintageValue
        {
            Vintage = v.Label,
            VintageDate = v.VintageDate is { } d ? Iso(d) : "",
            PublishedDate = v.PublishedDate is { } pd ? Iso(pd) : "",
            HasValue = v.Value is not null && v.RowCount > 0,
            Value = v.Value ?? 0,
            RowCount = v.RowCount,
            YearToDate = v.YearToDate,
            Suspect = v.Suspect,
            SnapshotId = v.SnapshotId ?? "",
        };
        p.SuspectReasons.AddRange(v.Errors.Select(e => $"{e.Code}: {e.Message}").Distinct(StringComparer.Ordinal));
        p.Files.AddRange(v.Files);
        return p;
    }

    private static string Iso(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));

    private static RpcException ToRpc(DatasetException e) => new(new Status(e.Kind switch
    {
        DatasetErrorKind.InvalidArgument => StatusCode.InvalidArgument,
        DatasetErrorKind.NotFound => StatusCode.NotFound,
        DatasetErrorKind.ResourceExhausted => StatusCode.ResourceExhausted,
        _ => StatusCode.FailedPrecondition,
    }, e.Message));

    [LoggerMessage(Level = LogLevel.Information, Message = "Computed metric {MetricId} registered on {Dataset}/{Table}: its aggregates are materialised for every vintage and every later load")]
    private static partial void LogRegistered(ILogger logger, string metricId, string dataset, string table);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not record the citation of snapshot {SnapshotId} ({Code}: {Detail}); the figure carries it unverified")]
    private static partial void LogCitationFailed(ILogger logger, string snapshotId, StatusCode code, string detail);
}
