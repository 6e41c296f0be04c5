using System.ComponentModel.DataAnnotations;

namespace Tally.Definitions;

/// <summary>Settings of the metric-definition service. Bound from "Tally:Definitions".</summary>
public sealed class DefinitionsOptions
{
    public const string Section = "Tally:Definitions";

    /// <summary>Import the bundled catalog at start (new versions only where a definition changed). Default true.</summary>
    public bool ImportCatalog { get; set; } = true;

    /// <summary>Seconds between checks for changes written by other replicas; 0 turns the check off. Default 5.</summary>
    [Range(0, 3600)]
    public int RefreshSeconds { get; set; } = 5;

    /// <summary>Longest question ResolveQuestion accepts, in characters. Default 1000.</summary>
    [Range(10, 10_000)]
    public int MaxQuestionLength { get; set; } = 1000;

    /// <summary>Candidates ResolveQuestion returns when the request says 0. Default 5.</summary>
    [Range(1, 100)]
    public int DefaultCandidates { get; set; } = 5;
}
