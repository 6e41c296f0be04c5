using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tally.Common.V1;
using Tally.Grpc;
using Tally.Hosting.Limits;
using Tally.Query.Caching;
using Tally.Query.Composition;
using Tally.Query.Rendering;
using Tally.Query.V1;
using Period = Tally.Common.V1.Period;

namespace Tally.Query.Service;

/// <summary>
/// What the query RPCs do: validate, look in the answer cache (key = request bytes + catalog and data versions),
/// on a miss gather from the other services and compose (one computation per key at a time), format references,
/// and say where the answer came from. Computations run under the QueryCompute gate (Tally:Limits:Concurrency): a full
/// queue answers RESOURCE_EXHAUSTED "server busy, retry"; cached answers never wait for it.
/// </summary>
public sealed partial class QueryEngine(
    AnswerGatherer gatherer,
    VersionSource versions,
    IAnswerCache cache,
    QueryMetrics metrics,
    ExpensiveWork work,
    IOptions<QueryOptions> options,
    TimeProvider clock,
    ILogger<QueryEngine> logger)
{
    private readonly SingleFlight<Flight> _flights = new();

    private DateOnly Today => DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);

    // ---- Ask -------------------------------------------------------------------------------------------------

    public async Task<Answer> AskAsync(AskRequest request, CancellationToken cancellationToken)
    {
        var served = await AskSerializedAsync(request, cancellationToken);
        var answer = served.Parse(Answer.Parser);
        answer.ServedFrom = served.ServedFrom;
        return answer;
    }

    /// <summary>
    /// Ask for the wire: a cached or shared answer comes back as the bytes it is stored as, never parsed here (the gRPC
    /// service sends them as they are, followed by the <see cref="ServedFrom"/>, which protobuf merges into one message).
    /// </summary>
    public async Task<ServedMessage<Answer>> AskSerializedAsync(AskRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ValidateText(request.Question, "question");
        if (request.MaxRelated < 0)
        {
            throw Invalid($"max_related is {request.MaxRelated}; give 0 for the default ({options.Value.DefaultMaxRelated}) or a positive number.");
        }

        var key = request.Clone();
        key.SkipCache = false;
        var served = await CachedAsync("Ask", key, request.SkipCache, ct => ComputeAskAsync(request, ct), cancellationToken);
        metrics.Answer(served.Message is { } answer ? answer.Status : AnswerWire.StatusOf(served.Payload!.Value));
        return served;
    }

    private async Task<Computed<Answer>> ComputeAskAsync(AskRequest request, CancellationToken cancellationToken)
    {
        var question = request.Question.Trim();
        var resolved = await gatherer.ResolveAsync(question, cancellationToken);
        var registry = await gatherer.RegistryAsync(resolved.CatalogVersion, cancellationToken);
        var chosen = request.ChosenMetricId.Trim();
        if (chosen.Length > 0 && registry.Find(chosen) is null)
        {
            throw Invalid($"chosen_metric_id '{chosen}' is not in the registry (catalog version {registry.CatalogVersion}). Nearest ids: {string.Join(", ", NearestIds(registry, chosen))}.");
        }

        var ids = resolved.Candidates.Select(c => c.MetricId).Append(chosen).Where(id => id.Length > 0);
        var needs = registry.FigureNeeds(ids);
        var figures = gatherer.FiguresAsync(needs, cancellationToken);
        var computed = gatherer.ComputedAsync(registry, needs, cancellationToken);
        var composed = AnswerComposer.Compose(new AnswerInputs
        {
            Question = question,
            Parsed = resolved.Parsed,
            Candidates = resolved.Candidates,
            Registry = registry,
            Figures = await figures,
            Computed = await computed,
            ChosenMetricId = chosen.Length > 0 ? chosen : null,
            MaxRelated = request.MaxRelated > 0 ? request.MaxRelated : options.Value.DefaultMaxRelated,
            Today = Today,
        });
        await AttachReferencesAsync(composed.Answer, composed.Citations, cancellationToken);
        return new(composed.Answer, resolved.CatalogVersion, Tags(composed.MetricIds, await computed));
    }

    /// <summary>Cache tags of an answer: the metrics it read, and the datasets its computed metrics read (DatasetLoaded evicts them).</summary>
    private static List<string> Tags(IEnumerable<string> metricIds, IReadOnlyDictionary<string, Tally.Ingestion.V1.ComputeMetricResponse> computed) =>
        [.. metricIds.Select(CacheTags.Metric), .. computed.Values.Select(c => c.Dataset).Where(d => d.Length > 0).Distinct(StringComparer.Ordinal).Select(CacheTags.Dataset)];

    // ---- GetFigure ---------------------------------------------------------------------------------------------

    public async Task<Answer> GetFigureAsync(GetFigureRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(request.MetricId))
        {
            throw Invalid("metric_id is empty; give a metric id such as \"ice-removals\" (ListMetrics lists them).");
        }

        var period = Normalise(request.Period, "period");
        var key = request.Clone();
        key.SkipCache = false;
        var served = await CachedAsync("GetFigure", key, request.SkipCache, async ct =>
        {
            var (metric, catalogVersion) = await gatherer.GetMetricAsync(request.MetricId.Trim(), ct); // NOT_FOUND (with nearest ids) comes from definitions
            var registry = await gatherer.RegistryAsync(catalogVersion, ct);

            var needs = registry.FigureNeeds([metric.Id]);
            var figures = await gatherer.FiguresAsync(needs, ct);
            var computed = await gatherer.ComputedAsync(registry, needs, ct);
            var composed = AnswerComposer.Compose(new AnswerInputs
            {
                Question = $"{metric.Name}, {(period is null ? "latest period held" : PeriodText.Label(period))}",
                Registry = registry,
                Figures = figures,
                Computed = computed,
                ChosenMetricId = metric.Id,
                ByMetricId = true,
                Period = period,
                Dimensions = request.Dimensions,
                Vintage = request.Vintage,
                MaxRelated = options.Value.DefaultMaxRelated,
                Today = Today,
            });
            await AttachReferencesAsync(composed.Answer, composed.Citations, ct);
            return new Computed<Answer>(composed.Answer, registry.CatalogVersion, Tags(composed.MetricIds, computed));
        }, cancellationToken);
        var answer = served.Parse(Answer.Parser);
        answer.ServedFrom = served.ServedFrom;
        metrics.Answer(answer.Status);
        return answer;
    }

    // ---- GetSeries ---------------------------------------------------------------------------------------------

    public async Task<GetSeriesResponse> GetSeriesAsync(GetSeriesRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(request.MetricId))
        {
            throw Invalid("metric_id is empty; give a metric id such as \"ice-removals\" (ListMetrics lists them).");
        }

        var range = Normalise(request.Range, "range");
        var key = request.Clone();
        key.SkipCache = false;
        var served = await CachedAsync("GetSeries", key, request.SkipCache, async ct =>
        {
            var (metric, catalogVersion) = await gatherer.GetMetricAsync(request.MetricId.Trim(), ct);
            var registry = await gatherer.RegistryAsync(catalogVersion, ct);
            var figures = await gatherer.FiguresAsync([metric.Id], ct);
            var computed = await gatherer.ComputedAsync(registry, [metric.Id], ct);
            var composed = SeriesComposer.Compose(metric, range, request.Dimensions, [.. figures[metric.Id], .. ComputedMetrics.FiguresOf(computed.GetValueOrDefault(metric.Id))]);
            var (references, _) = await gatherer.ReferencesAsync(composed.Citations, ct);
            composed.Series.Citations.AddRange(references);
            return new Computed<GetSeriesResponse>(composed.Series, catalogVersion, Tags([metric.Id], computed));
        }, cancellationToken);
        var series = served.Parse(GetSeriesResponse.Parser);
        series.ServedFrom = served.ServedFrom;
        return series;
    }

    // ---- CheckClaim --------------------------------------------------------------------------------------------

    public async Task<CheckClaimResponse> CheckClaimAsync(CheckClaimRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ValidateText(request.Claim, "claim");
        if (request.ClaimDate.Length > 0 && !DateOnly.TryParseExact(request.ClaimDate, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
        {
            throw Invalid($"claim_date '{request.ClaimDate}' is not a date; write it as YYYY-MM-DD or leave it empty.");
        }

        var claimed = ClaimChecker.Claimed(request.Claim, Today);
        var answer = await AskAsync(new AskRequest { Question = request.Claim }, cancellationToken);
        var (verdict, explanation) = ClaimChecker.Rate(claimed, answer);
        var response = new CheckClaimResponse
        {
            Verdict = verdict,
            Explanation = explanation,
            Answer = answer,
            ClaimReviewJsonLd = ClaimReviewJsonLd.Build(request, verdict, explanation, answer, Today),
        };
        if (claimed is not null)
        {
            response.Claimed = claimed;
        }

        return response;
    }

    // ---- RenderBrief -------------------------------------------------------------------------------------------

    public async Task<RenderBriefResponse> RenderBriefAsync(RenderBriefRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var answer = request.InputCase switch
        {
            RenderBriefRequest.InputOneofCase.Question => await AskAsync(new AskRequest { Question = request.Question }, cancellationToken),
            RenderBriefRequest.InputOneofCase.Answer => request.Answer,
            _ => throw Invalid("Give either a question or an answer to render."),
        };
        var registry = await gatherer.RegistryAsync(answer.ServedFrom?.CatalogVersion ?? 0, cancellationToken);
        var checkedOn = answer.ServedFrom?.ComputedAt is { } at ? DateOnly.FromDateTime(at.ToDateTime()) : Today;
        return new RenderBriefResponse { Answer = answer, Markdown = BriefRenderer.Render(answer, registry.Find, checkedOn) };
    }

    // ---- ExplainDifference -------------------------------------------------------------------------------------

    public async Task<V1.ExplainDifferenceResponse> ExplainDifferenceAsync(V1.ExplainDifferenceRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(request.AMetricId) || string.IsNullOrWhiteSpace(request.BMetricId))
        {
            throw Invalid("Give both a_metric_id and b_metric_id (ListMetrics lists them).");
        }

        var period = Normalise(request.Period, "period");
        var difference = await gatherer.ExplainDifferenceAsync(request.AMetricId.Trim(), request.BMetricId.Trim(), cancellationToken);
        var response = new V1.ExplainDifferenceResponse { Difference = difference, Summary = difference.Summary };
        if (period is null)
        {
            return response;
        }

        var figures = await gatherer.FiguresAsync([difference.A.Id, difference.B.Id], cancellationToken);
        var registry = await gatherer.RegistryAsync(0, cancellationToken);
        var computed = await gatherer.ComputedAsync(registry, [difference.A.Id, difference.B.Id], cancellationToken);
        var withComputed = figures.ToDictionary(kv => kv.Key,
            kv => (IReadOnlyList<Tally.Common.V1.Figure>)[.. kv.Value, .. ComputedMetrics.FiguresOf(computed.GetValueOrDefault(kv.Key))], StringComparer.Ordinal);
        var composed = DifferenceFigures.Compose(difference, period, withComputed);
        var (references, _) = await gatherer.ReferencesAsync(composed.Citations, cancellationToken);
        response.Figures.AddRange(composed.Figures);
        response.Citations.AddRange(references);
        response.Summary = composed.Summary(difference.Summary);
        return response;
    }

    // ---- cache ---------------------------------------------------------------------------------------------------

    private sealed record Computed<T>(T Message, int CatalogVersion, IReadOnlyCollection<string> Tags);

    /// <summary>What one shared computation produced: the answer, the catalog version it read, the versions and key it is cached under.</summary>
    private sealed record Flight(CachedAnswer Answer, int CatalogVersion, VersionStamp Stamp, string Key);

    private async Task<ServedMessage<T>> CachedAsync<T>(
        string rpc, IMessage keyRequest, bool skipCache, Func<CancellationToken, Task<Computed<T>>> compute, CancellationToken cancellationToken)
        where T : IMessage<T>
    {
        VersionStamp? stamp = null;
        if (options.Value.CacheEnabled)
        {
            try
            {
                stamp = await versions.GetAsync(cancellationToken);
            }
            catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled)
            {
                LogVersionsUnavailable(logger, e.StatusCode, e.Status.Detail);
            }
        }

        if (stamp is null)
        {
            metrics.Cache("bypass");
            Computed<T> direct;
            using (await work.EnterAsync(ExpensiveWorkKind.QueryCompute, cancellationToken))
            {
                direct = await compute(cancellationToken);
            }

            return new(direct.Message, null, Served(ServedFrom.Types.Kind.Computed, direct.CatalogVersion, null, clock.GetUtcNow(), string.Empty));
        }

        var key = AnswerCacheKey.For(rpc, keyRequest, stamp);
        var lookup = skipCache ? CacheLookup.Miss : await SafeGetAsync(key, cancellationToken);
        if (lookup.Answer is { } hit)
        {
            metrics.Cache("hit");
            var cached = Served(ServedFrom.Types.Kind.Cache, stamp.CatalogVersion, stamp, hit.ComputedAt, key);
            cached.Store = cache.Provider == "redis" ? ServedFrom.Types.Store.Redis : ServedFrom.Types.Store.Memory;
            return new(default, hit.Payload, cached);
        }

        if (lookup.Unavailable)
        {
            metrics.CacheBypass();
            LogCacheBypassed(logger, lookup.UnavailableReason!);
        }

        metrics.Cache(skipCache || lookup.Unavailable ? "bypass" : "miss");
        var flight = await _flights.RunAsync(key, async () =>
        {
            // Shared by every caller of this key: not bounded by the first caller's deadline, nor cancelled by it.
            InboundCall.Detach();
            Computed<T> computed;
            using (await work.EnterAsync(ExpensiveWorkKind.QueryCompute, CancellationToken.None))
            {
                computed = await compute(CancellationToken.None);
            }

            var cached = new CachedAnswer(computed.Message.ToByteArray(), clock.GetUtcNow());
            var (keptStamp, keptKey) = computed.CatalogVersion > stamp.CatalogVersion
                ? await CurrentKeyAsync(rpc, keyRequest, computed.CatalogVersion)
                : (stamp, key);
            if (keptKey.Length > 0 && computed.CatalogVersion == keptStamp.CatalogVersion)
            {
                await SafeSetAsync(keptKey, cached, computed.CatalogVersion, computed.Tags);
            }

            return new Flight(cached, computed.CatalogVersion, keptStamp, keptKey.Length > 0 ? keptKey : key);
        }, cancellationToken, out _);
        var served = Served(ServedFrom.Types.Kind.Computed, flight.CatalogVersion, flight.Stamp, flight.Answer.ComputedAt, flight.Key);
        served.CacheBypassed = lookup.Unavailable;
        return new(default, flight.Answer.Payload, served);
    }

    /// <summary>
    /// The answer was computed from a newer catalog than the held version stamp names: the event announcing the change
    /// has not arrived yet. Forget the stamp and read the versions again, so the answer is kept under the key the next
    /// request will look up (empty when the versions cannot be read now, or have moved on again).
    /// </summary>
    private async Task<(VersionStamp Stamp, string Key)> CurrentKeyAsync(string rpc, IMessage keyRequest, int catalogVersion)
    {
        versions.Saw(catalogVersion);
        try
        {
            var fresh = await versions.GetAsync(CancellationToken.None);
            return fresh.CatalogVersion == catalogVersion ? (fresh, AnswerCacheKey.For(rpc, keyRequest, fresh)) : (fresh, string.Empty);
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled)
        {
            LogVersionsUnavailable(logger, e.StatusCode, e.Status.Detail);
            return (new VersionStamp(0, new Dictionary<string, string>()), string.Empty);
        }
    }

    private static ServedFrom Served(ServedFrom.Types.Kind kind, int catalogVersion, VersionStamp? stamp, DateTimeOffset computedAt, string key)
    {
        var served = new ServedFrom { Kind = kind, CatalogVersion = catalogVersion, ComputedAt = Timestamp.FromDateTimeOffset(computedAt), CacheKey = key };
        if (stamp is not null)
        {
            served.DataVersions.Add(stamp.DataVersions.ToDictionary(kv => kv.Key, kv => kv.Value));
        }

        return served;
    }

    private async Task<CacheLookup> SafeGetAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            return await cache.GetAsync(key, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogCacheFailed(logger, "read", e.Message);
            return CacheLookup.Bypassed(e.Message);
        }
    }

    private async Task SafeSetAsync(string key, CachedAnswer answer, int catalogVersion, IReadOnlyCollection<string> tags)
    {
        try
        {
            await cache.SetAsync(key, answer, catalogVersion, tags, CancellationToken.None);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogCacheFailed(logger, "write", e.Message);
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------------------------

    private async Task AttachReferencesAsync(Answer answer, IReadOnlyList<Citation> cited, CancellationToken cancellationToken)
    {
        var (references, formatted) = await gatherer.ReferencesAsync(cited, cancellationToken);
        AnswerComposer.AttachReferences(answer, cited, references);
        if (!formatted)
        {
            answer.Caveats.Add(new Caveat
            {
                Code = Caveat.Types.Code.UnverifiedCitation,
                Text = "The citation service could not format these references, so they show source ids and links only and their passages are not marked verified.",
            });
        }
    }

    private void ValidateText(string text, string field)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw Invalid($"The {field} is empty; write it in plain English, e.g. \"How many people did ICE remove in fiscal year 2024?\"");
        }

        var limit = options.Value.MaxQuestionLength;
        if (text.Length > limit)
        {
            throw Invalid($"The {field} is {text.Length.ToString("N0", CultureInfo.InvariantCulture)} characters long; the limit is {limit.ToString("N0", CultureInfo.InvariantCulture)} characters ({QueryOptions.Section}:MaxQuestionLength). Shorten it to the sentence that states or asks for the number.");
        }
    }

    /// <summary>Checks a request period and fills its dates from its year fields; null when no period was given.</summary>
    private static Period? Normalise(Period? period, string field)
    {
        if (period is null || period.Kind == PeriodKind.Unspecified)
        {
            return null;
        }

        var p = period.Clone();
        switch (p.Kind)
        {
            case PeriodKind.FiscalYear when p.FiscalYear is < 1900 or > 2100:
                throw Invalid($"{field}: a FISCAL_YEAR period needs fiscal_year (e.g. 2024 for FY2024, October 1, 2023–September 30, 2024).");
            case PeriodKind.CalendarYear when p.CalendarYear is < 1900 or > 2100:
                throw Invalid($"{field}: a CALENDAR_YEAR period needs calendar_year (e.g. 2024).");
            case PeriodKind.AsOfDate or PeriodKind.DateRange when PeriodText.Date(p.EndDate) is null || (p.Kind == PeriodKind.DateRange && PeriodText.Date(p.StartDate) is null):
                throw Invalid($"{field}: an {p.Kind.ToString().ToUpperInvariant()} period needs start_date and end_date as YYYY-MM-DD.");
        }

        if (p.Kind == PeriodKind.AsOfDate && string.IsNullOrEmpty(p.StartDate))
        {
            p.StartDate = p.EndDate;
        }

        if (string.IsNullOrEmpty(p.StartDate) && PeriodText.Start(p) is { } s)
        {
            p.StartDate = s.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        }

        if (string.IsNullOrEmpty(p.EndDate) && PeriodText.End(p) is { } e)
        {
            p.EndDate = e.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        }

        if (PeriodText.Start(p) is { } start && PeriodText.End(p) is { } end && end < start)
        {
            throw Invalid($"{field}: end_date {p.EndDate} is before start_date {p.StartDate}.");
        }

        return p;
    }

    /// <summary>Registry ids closest to an unknown one (shared words, then edit distance).</summary>
    internal static IEnumerable<string> NearestIds(RegistryView registry, string id)
    {
        var words = id.ToLowerInvariant().Split('-', '.', '_', ' ');
        return registry.Metrics.Select(m => m.Id)
            .OrderByDescending(m => m.Split('-', '.').Count(w => words.Contains(w)))
            .ThenBy(m => Levenshtein(m, id.ToLowerInvariant()))
            .ThenBy(m => m, StringComparer.Ordinal)
            .Take(3);
    }

    private static int Levenshtein(string a, string b)
    {
        var d = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            d[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            var previous = d[0];
            d[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var current = d[j];
                d[j] = Math.Min(Math.Min(d[j] + 1, d[j - 1] + 1), previous + (a[i - 1] == b[j - 1] ? 0 : 1));
                previous = current;
            }
        }

        return d[b.Length];
    }

    private static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Versions for the answer cache are unavailable ({Code}: {Detail}); computing without the cache")]
    private static partial void LogVersionsUnavailable(ILogger logger, StatusCode code, string detail);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Answer cache bypassed ({Reason}); computing")]
    private static partial void LogCacheBypassed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Answer cache {Operation} failed: {Error}; continuing without it")]
    private static partial void LogCacheFailed(ILogger logger, string operation, string error);
}
