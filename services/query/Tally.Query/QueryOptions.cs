using System.ComponentModel.DataAnnotations;

namespace Tally.Query;

/// <summary>Query service settings. Bound from "Tally:Query" and validated at start.</summary>
public sealed class QueryOptions
{
    public const string Section = "Tally:Query";

    /// <summary>Longest question or claim accepted, in characters; longer ones are rejected with INVALID_ARGUMENT.</summary>
    [Range(10, 100_000)]
    public int MaxQuestionLength { get; set; } = 1000;

    /// <summary>Related figures per answer when the request does not say (AskRequest.max_related = 0).</summary>
    [Range(1, 50)]
    public int DefaultMaxRelated { get; set; } = 5;

    /// <summary>Candidates asked of the resolver.</summary>
    [Range(1, 20)]
    public int MaxCandidates { get; set; } = 5;

    /// <summary>False to compute every answer (the cache is neither read nor written).</summary>
    public bool CacheEnabled { get; set; } = true;

    /// <summary>Upper bound of the in-process cache, in bytes of serialized answers.</summary>
    [Range(1024, long.MaxValue)]
    public long CacheSizeLimitBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>How long an entry lives at most (a safety net for events that carry no version).</summary>
    public TimeSpan CacheEntryLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long the catalog and dataset versions read for cache keys may be reused before they are read again
    /// (docs/adr/0001-cache-key-versions.md). Bus events invalidate them at once; this bounds how long a lost event
    /// could serve an answer of the previous version. Zero reads them for every request (one round trip each).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00", ErrorMessage = "Tally:Query:VersionMaxAge must lie between 00:00:00 and 00:10:00.")]
    public TimeSpan VersionMaxAge { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Deadline of each call to another service.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
