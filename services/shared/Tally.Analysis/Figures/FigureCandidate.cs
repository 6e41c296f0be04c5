namespace Tally.Analysis;

/// <summary>How a figure's value is hedged in the text.</summary>
public enum FigureQualifier
{
    /// <summary>No hedge: "271,484 removals".</summary>
    Exact,

    /// <summary>"about", "approximately", "roughly", "around", "an estimated", "some", "~".</summary>
    Approximately,

    /// <summary>"at least", "no fewer than", "a minimum of", a trailing '+' ("1.8M+"), "or more".</summary>
    AtLeast,

    /// <summary>"more than", "over", "just over", "above", "in excess of", "upwards of".</summary>
    MoreThan,

    /// <summary>"fewer than", "less than", "under", "below".</summary>
    FewerThan,

    /// <summary>"at most", "up to", "no more than", "a maximum of", "or fewer".</summary>
    AtMost,

    /// <summary>"nearly", "almost", "close to", "just under", "just shy of".</summary>
    Nearly,
}

/// <summary>What a figure's value measures.</summary>
public enum FigureKind
{
    /// <summary>A quantity of things (people, cases, removals, pounds …).</summary>
    Count,

    /// <summary>A percentage; <see cref="FigureCandidate.Value"/> is in percent (32.7 for "32.7%").</summary>
    Percent,

    /// <summary>An amount of money in dollars ("$886M").</summary>
    Money,
}

/// <summary>A number found in text that may be a statistic, with its context.</summary>
public sealed record FigureCandidate
{
    /// <summary>The value with its scale applied ("1.8 million" → 1,800,000; "32.7%" → 32.7).</summary>
    public required double Value { get; init; }

    public required FigureKind Kind { get; init; }

    public required FigureQualifier Qualifier { get; init; }

    /// <summary>The number as written, with its scale and sign ("1.8M +", "32.7%", "$886M").</summary>
    public required string RawText { get; init; }

    /// <summary>Span of the whole mention in the text, qualifier included ("nearly 200,000").</summary>
    public required TextSpan Span { get; init; }

    /// <summary>The words saying what is counted ("cases dropped", "convicted individuals on its national docket"); may be empty.</summary>
    public required string UnitPhrase { get; init; }

    /// <summary>The sentence the figure is in, and its span in the text.</summary>
    public required string Sentence { get; init; }

    public required TextSpan SentenceSpan { get; init; }

    /// <summary>Period mentions in the same sentence (spans relative to the whole text).</summary>
    public required IReadOnlyList<PeriodMention> Periods { get; init; }
}
