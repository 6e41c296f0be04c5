using System.Diagnostics.Metrics;
using Tally.Query.V1;

namespace Tally.Query.Service;

/// <summary>The query service's counters (meter "Tally.Query").</summary>
public sealed class QueryMetrics
{
    public const string MeterName = "Tally.Query";

    private readonly Counter<long> _answers;
    private readonly Counter<long> _cache;

    public QueryMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _answers = meter.CreateCounter<long>("tally_answers_total", description: "Answers served, by status.");
        _cache = meter.CreateCounter<long>("tally_answer_cache_requests_total", description: "Answer cache lookups: hit, miss, or bypass (skip_cache or versions unavailable).");
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

    public void Cache(string result) => _cache.Add(1, new KeyValuePair<string, object?>("result", result));
}
