using System.Collections.Immutable;
using System.Text.Json.Serialization;

namespace Tally.Catalog.Model;

/// <summary>
/// A versioned metric definition: precise enough that two metrics differing in any property are
/// different metrics. Exactly one of <see cref="Values"/> and <see cref="Gap"/> is set.
/// </summary>
public sealed record MetricDefinition(
    string Id,
    int Version,
    string Family,
    string Name,
    string Description,
    CountedThing Counted,
    Population Population,
    Statistic Statistic,
    MetricPeriod Period,
    MeasureUnit Unit,
    long Scale,
    ImmutableArray<string> Aliases,
    MetricValues? Values,
    MetricGap? Gap,
    ImmutableArray<Caveat> Caveats,
    string? Notes)
{
    /// <summary>True when no public source publishes the metric.</summary>
    [JsonIgnore]
    public bool IsGap => Gap is not null;

    /// <summary>Where the metric is defined (not part of the catalog version).</summary>
    [JsonIgnore]
    public SourcePosition? Position { get; init; }
}

/// <summary>What is counted, and in what unit.</summary>
public sealed record CountedThing(CountedEvent What, CountingUnit Unit);

/// <summary>Population and scope.</summary>
public sealed record Population(Agency Agency, string? Program, Criminality Criminality, Citizenship Citizenship, string? Other);

/// <summary>Statistic type. <see cref="Additive"/>: values of adjacent periods may be summed.</summary>
public sealed record Statistic(StatisticType Type, bool Additive, string? ShareOf);

/// <summary>Period basis of the metric; <see cref="YearToDate"/>: partial-year values exist.</summary>
public sealed record MetricPeriod(PeriodBasis Basis, bool YearToDate);

/// <summary>A caveat that always applies: a stable code plus plain text.</summary>
public sealed record Caveat(string Code, string Text);

/// <summary>Where a metric's values come from.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(PublishedValues), "published")]
[JsonDerivedType(typeof(ComputedValues), "computed")]
[JsonDerivedType(typeof(DerivedValues), "derived")]
public abstract record MetricValues;

/// <summary>Values are figures recorded from sources.</summary>
public sealed record PublishedValues : MetricValues;

/// <summary>
/// Values are an aggregation over an ingested dataset: rows matching <see cref="Filters"/>, grouped
/// into periods of <see cref="Calendar"/> by <see cref="DateColumn"/>, measured by <see cref="Measure"/>
/// ("count" or "sum(column)"), from the vintage chosen by <see cref="Vintage"/> ("latest_pull" or
/// "pull_date=YYYY-MM-DD"). <see cref="UntilIngested"/> is what answers say while no ingested vintage covers the
/// period asked (the question, why no source publishes it, what would settle it).
/// </summary>
public sealed record ComputedValues(
    string Dataset,
    string Measure,
    ImmutableSortedDictionary<string, ImmutableArray<string>> Filters,
    string DateColumn,
    PeriodBasis Calendar,
    string Vintage) : MetricValues
{
    /// <summary>The gap an answer describes until the dataset is ingested; null when the catalog gives none.</summary>
    public MetricGap? UntilIngested { get; init; }
}

/// <summary>Values are a formula over other metrics (ratio: first / second, as a percentage).</summary>
public sealed record DerivedValues(DerivedOp Op, ImmutableArray<string> Of) : MetricValues;

/// <summary>A metric people ask about that no public source publishes, and what would settle it.</summary>
public sealed record MetricGap(string Question, string WhyUnpublished, string WhatWouldSettleIt, ImmutableArray<string> Leads);
