using System.Diagnostics.Metrics;
using Tally.Query.V1;

namespace Tally.Query.Service;

/// <summary>The query service's counters (meter "Tally.Query").</summary>
public sealed class QueryMetrics
{
    public const string MeterName = "Tally.Query";

    private readonly Counter<long> _answers;
    private readonly Counter<long> _cache;
    private readonly Counter<long> _bypass;

    public QueryMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _answers = meter.CreateCounter<long>("tally_answers_total", description: "Answers served, by status.");
        _cache = meter.CreateCounter<long>("tally_answer_cache_requests_total", description: "Answer cache lookups: hit, miss, or bypass (skip_cache, versions unavailable, or the cache unreachable).");
        _bypass = meter.CreateCounter<long>("tally_cache_bypass_total", description: "Answers computed because the answer cache (Redis) was unreachable or too slow.");
        _bypass.Add(0); // exported from the start, so dashboards and alerts see 0 rather than no data
    }

    public void Answer(AnswerStatus status) =>
        _answers.Add(1, new KeyValuePair<string, object?>("status", status.ToString().ToUpperInvariant() switch
        {
            "ANSWERED" => "ANSWERED",
            "PARTIAL" => "PARTIAL",
            "NOTPUBLISHED" => "NOT_PUBLISHED",
            "NEEDSCLARIFICATION" => "NEEDS_CLARIFICATION",
            "OUTOFSCOPE" => "OUT_OF_SCOPE",
            _ => "UNSPECIFIED",
        }));

    /// <summary>The cache could not be read in time; the answer is computed.</summary>
    public void CacheBypass() => _bypass.Add(1);

    public void Cache(string result) => _cache.Add(1, new KeyValuePair<string, object?>("result", result));
}
