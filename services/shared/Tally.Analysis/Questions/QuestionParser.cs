using System.Text.RegularExpressions;

namespace Tally.Analysis;

/// <summary>What a question asks for.</summary>
public enum QuestionKind
{
    /// <summary>"How many …", "the number of …".</summary>
    HowMany,

    /// <summary>"How much …" (amounts, money).</summary>
    HowMuch,

    /// <summary>"What share/percentage/proportion …".</summary>
    WhatShare,

    /// <summary>"Did X increase/decrease …", "How has X changed …".</summary>
    Trend,

    /// <summary>A statement to check ("ICE deported 1.5 million people in 2024", "Is it true that …", a yes/no question with a figure).</summary>
    ClaimStatement,

    /// <summary>A short noun phrase without a question word ("ICE removals FY2024").</summary>
    Lookup,

    /// <summary>Any other question ("Which agency …", "Why …").</summary>
    Other,
}

/// <summary>A question taken apart for the resolver, with the reason for every reading.</summary>
public sealed record ParsedQuestion
{
    /// <summary>The question as asked.</summary>
    public required string Original { get; init; }

    /// <summary>The question folded by <see cref="TextNormalizer.ForMatching"/> (a stable cache key ingredient).</summary>
    public required string NormalizedText { get; init; }

    public required IReadOnlyList<Token> Tokens { get; init; }

    public required IReadOnlyList<PeriodMention> Periods { get; init; }

    public required IReadOnlyList<AgencyMention> Agencies { get; init; }

    public required IReadOnlyList<ConceptHit> Concepts { get; init; }

    /// <summary>Figures stated in the question (for claims: "271,484 removals").</summary>
    public required IReadOnlyList<FigureCandidate> Figures { get; init; }

    public required QuestionKind Kind { get; init; }

    /// <summary>Stems of content words not explained by a period, agency, concept or figure: what the resolver could not place.</summary>
    public required IReadOnlyList<string> OtherTerms { get; init; }

    /// <summary>Every decision, in order, as a sentence a newsroom can read.</summary>
    public required IReadOnlyList<string> Reasons { get; init; }
}

/// <summary>
/// Parses a question deterministically: periods (<see cref="PeriodParser"/>), agencies (<see cref="Agencies"/>),
/// glossary concepts, stated figures and the kind of question — every decision recorded as a reason.
/// </summary>
public static partial class QuestionParser
{
    /// <summary>The spans sorted and overlapping ones merged, so that <see cref="Covers"/> is a binary search (a scan per token was quadratic).</summary>
    private static List<TextSpan> Merge(IEnumerable<TextSpan> spans)
    {
        var merged = new List<TextSpan>();
        foreach (var span in spans.Where(s => s.Length > 0).OrderBy(s => s.Start)) // an empty span overlaps nothing
        {
            if (merged.Count > 0 && span.Start < merged[^1].End)
            {
                var last = merged[^1];
                merged[^1] = new TextSpan(last.Start, Math.Max(last.End, span.End) - last.Start);
            }
            else
            {
                merged.Add(span);
            }
        }

        return merged;
    }

    /// <summary>Does any of the sorted, disjoint <paramref name="spans"/> overlap <paramref name="span"/>?</summary>
    private static bool Covers(List<TextSpan> spans, TextSpan span)
    {
        int lo = 0, hi = spans.Count - 1, last = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) / 2;
            if (spans[mid].Start < span.End)
            {
                last = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return last >= 0 && spans[last].Overlaps(span);
    }

    public static ParsedQuestion Parse(string question, Glossary glossary, DateOnly today)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(glossary);
        var reasons = new List<string>();

        var tokens = Tokenizer.Tokenize(question);
        var periods = PeriodParser.ParseCore(question, today);
        foreach (var p in periods)
        {
            reasons.Add("period: " + p.Reason);
        }

        var agencies = Agencies.FindMentions(question);
        foreach (var a in agencies)
        {
            reasons.Add("agency: " + a.Reason);
        }

        var concepts = glossary.Match(question, tokens);
        foreach (var c in concepts)
        {
            reasons.Add("concept: " + c.Reason);
        }

        var figures = FigureExtractor.ExtractCore(question, today);
        foreach (var f in figures)
        {
            reasons.Add($"figure: '{f.Span.Slice(question)}' = {f.Value.ToString("G", System.Globalization.CultureInfo.InvariantCulture)} " +
                        $"({f.Kind}, {f.Qualifier}){(f.UnitPhrase.Length > 0 ? $" counting '{f.UnitPhrase}'" : string.Empty)}");
        }

        var normalized = TextNormalizer.ForMatching(question);
        var kind = Classify(normalized, tokens, figures.Count, reasons);

        var explained = Merge(periods.Select(p => p.Span).Concat(agencies.Select(a => a.Span)).Concat(concepts.Select(c => c.Span))
            .Concat(figures.Select(f => f.Span)));
        var other = tokens.Where(t => !t.IsStopWord && !t.IsNumber && !Covers(explained, t.Span) && !KindWords.Contains(t.Text))
            .Select(t => t.Stem).Distinct(StringComparer.Ordinal).ToList();
        if (other.Count > 0)
        {
            reasons.Add($"unplaced words: {string.Join(", ", other)}");
        }

        return new ParsedQuestion
        {
            Original = question,
            NormalizedText = normalized,
            Tokens = tokens,
            Periods = periods,
            Agencies = agencies,
            Concepts = concepts,
            Figures = figures,
            Kind = kind,
            OtherTerms = other,
            Reasons = reasons,
        };
    }

    private static readonly HashSet<string> KindWords = new(StringComparer.Ordinal)
    {
        "number", "count", "total", "share", "percentage", "percent", "proportion", "fraction", "fact", "check", "true", "false", "claim",
        "increase", "increased", "decrease", "decreased", "rise", "rose", "fall", "fell", "grow", "grew", "drop", "dropped", "decline",
        "declined", "change", "changed",
    };

    private static QuestionKind Classify(string q, IReadOnlyList<Token> tokens, int figureCount, List<string> reasons)
    {
        var factCheck = FactCheckPrefixRegex().Match(q);
        if (factCheck.Success)
        {
            reasons.Add($"kind: the '{factCheck.Value.Trim()}' prefix is a label; the rest is classified");
            q = q[factCheck.Length..];
        }

        var claim = ClaimMarkerRegex().Match(q);
        if (claim.Success)
        {
            reasons.Add($"kind: ClaimStatement because it contains '{claim.Value.Trim()}'");
            return QuestionKind.ClaimStatement;
        }

        var interrogative = InterrogativeStartRegex().Match(q);
        var isQuestion = q.TrimEnd().EndsWith('?') || interrogative.Success;
        if (isQuestion)
        {
            if (ShareRegex().Match(q) is { Success: true } share)
            {
                reasons.Add($"kind: WhatShare because the question asks '{share.Value}'");
                return QuestionKind.WhatShare;
            }

            var yesNo = YesNoStartRegex().Match(q);
            if (TrendRegex().Match(q) is { Success: true } trend && (yesNo.Success || HowChangedRegex().IsMatch(q)))
            {
                reasons.Add($"kind: Trend because it asks whether or how something changed ('{trend.Value}')");
                return QuestionKind.Trend;
            }

            if (HowManyRegex().Match(q) is { Success: true } howMany)
            {
                reasons.Add($"kind: HowMany because the question asks '{howMany.Value}'");
                return QuestionKind.HowMany;
            }

            if (HowMuchRegex().Match(q) is { Success: true } howMuch)
            {
                reasons.Add($"kind: HowMuch because the question asks '{howMuch.Value}'");
                return QuestionKind.HowMuch;
            }

            if (yesNo.Success && figureCount > 0)
            {
                reasons.Add($"kind: ClaimStatement because it is a yes/no question ('{yesNo.Value.Trim()}') stating a figure to check");
                return QuestionKind.ClaimStatement;
            }

            reasons.Add("kind: Other — a question, but not how many / how much / what share / a change / a figure to check");
            return QuestionKind.Other;
        }

        if (figureCount > 0)
        {
            reasons.Add("kind: ClaimStatement because it is a statement (no question form) that states a figure");
            return QuestionKind.ClaimStatement;
        }

        var contentWords = tokens.Count(t => !t.IsStopWord);
        if (contentWords <= 6 && !StatementVerbRegex().IsMatch(q))
        {
            reasons.Add($"kind: Lookup because it is a short phrase ({contentWords} content words) without a question form");
            return QuestionKind.Lookup;
        }

        reasons.Add("kind: ClaimStatement because it is a statement without a question form");
        return QuestionKind.ClaimStatement;
    }

    [GeneratedRegex(@"^\s*(?:fact[\s-]*check(?:ing)?|question|q)\s*[:\-]\s*", RegexOptions.CultureInvariant)]
    private static partial Regex FactCheckPrefixRegex();

    [GeneratedRegex(@"^\s*(?:is\s+it\s+(?:true|correct|accurate|right)|true\s+or\s+false|claim\s*:|verify\s*:?|check\s+(?:this|the)\s+claim)|\b(?:claims?|claimed|says?|said|stated|asserts?|asserted)\s+that\b", RegexOptions.CultureInvariant)]
    private static partial Regex ClaimMarkerRegex();

    [GeneratedRegex(@"^\s*(?:how|what|which|who|whom|when|where|why|did|does|do|is|are|was|were|has|have|had|can|could|will|would|should)\b", RegexOptions.CultureInvariant)]
    private static partial Regex InterrogativeStartRegex();

    [GeneratedRegex(@"^\s*(?:did|does|do|is|are|was|were|has|have|had|can|could|will|would|should)\b", RegexOptions.CultureInvariant)]
    private static partial Regex YesNoStartRegex();

    [GeneratedRegex(@"\b(?:what|which)\s+(?:share|percent(?:age)?|proportion|fraction|portion|part|ratio|rate)\b|\bhow\s+many\s+percent\b|\bwhat\s+%|\b(?:share|percentage|proportion|fraction)\s+of\b|\bhow\s+(?:large|big)\s+(?:a\s+)?(?:share|proportion|fraction)\b", RegexOptions.CultureInvariant)]
    private static partial Regex ShareRegex();

    [GeneratedRegex(@"\b(?:increas\w*|decreas\w*|rise|rose|risen|rising|fall|fell|fallen|falling|grow|grew|grown|growing|drop\w*|declin\w*|went\s+(?:up|down)|go(?:ne)?\s+(?:up|down)|chang\w*|doubl\w*|tripl\w*|spik\w*|surg\w*|jump\w*|climb\w*|shr[iu]nk\w*)\b", RegexOptions.CultureInvariant)]
    private static partial Regex TrendRegex();

    [GeneratedRegex(@"^\s*how\s+(?:has|have|did|does|do|is|are)\b", RegexOptions.CultureInvariant)]
    private static partial Regex HowChangedRegex();

    [GeneratedRegex(@"\bhow\s+many\b|\b(?:the\s+)?(?:number|count|total\s+number|tally)\s+of\b|\bhow\s+often\b", RegexOptions.CultureInvariant)]
    private static partial Regex HowManyRegex();

    [GeneratedRegex(@"\bhow\s+much\b|\bwhat\s+(?:amount|sum|total)\b|\bhow\s+(?:large|big|high)\b", RegexOptions.CultureInvariant)]
    private static partial Regex HowMuchRegex();

    [GeneratedRegex(@"\b(?:is|are|was|were|has|have|had|did|does|do|will|releases?|released|deports?|deported|removes?|removed|arrests?|arrested|detains?|detained)\b", RegexOptions.CultureInvariant)]
    private static partial Regex StatementVerbRegex();
}
