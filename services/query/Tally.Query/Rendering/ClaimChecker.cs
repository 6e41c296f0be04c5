using Tally.Analysis;
using Tally.Query.Composition;
using Tally.Query.V1;
using Code = Tally.Common.V1.Caveat.Types.Code;

namespace Tally.Query.Rendering;

/// <summary>
/// Rates a claim's number against the answer to the question the claim implies. Pure. The rules:
/// the exact published figure → ACCURATE (MOSTLY_ACCURATE when only one reading of the period makes it so);
/// a rounded or hedged version of it → MOSTLY_ACCURATE; a real number of another metric, period or scope →
/// MISLEADING; a number the published figure contradicts → INACCURATE; no published figure for what is claimed →
/// UNSUPPORTED; no number, or nothing in the catalog relates → NOT_CHECKABLE.
/// </summary>
public static class ClaimChecker
{
    /// <summary>The figure the claim states: the first number with a unit phrase, else the first number; null when none.</summary>
    public static ClaimedFigure? Claimed(string claim, DateOnly today)
    {
        ArgumentNullException.ThrowIfNull(claim);
        var found = FigureExtractor.Extract(claim, today);
        var pick = found.FirstOrDefault(f => f.UnitPhrase.Length > 0) ?? (found.Count > 0 ? found[0] : null);
        if (pick is null)
        {
            return null;
        }

        return new ClaimedFigure
        {
            Value = pick.Kind == FigureKind.Percent ? pick.Value / 100.0 : pick.Value,
            Qualifier = pick.Qualifier switch
            {
                Analysis.FigureQualifier.Approximately => Common.V1.Qualifier.Approximately,
                Analysis.FigureQualifier.AtLeast => Common.V1.Qualifier.AtLeast,
                Analysis.FigureQualifier.MoreThan => Common.V1.Qualifier.MoreThan,
                Analysis.FigureQualifier.FewerThan => Common.V1.Qualifier.FewerThan,
                Analysis.FigureQualifier.AtMost => Common.V1.Qualifier.AtMost,
                Analysis.FigureQualifier.Nearly => Common.V1.Qualifier.Nearly,
                _ => Common.V1.Qualifier.Exact,
            },
            Text = pick.Span.Slice(claim) + (pick.UnitPhrase.Length > 0 && !pick.Span.Slice(claim).Contains(pick.UnitPhrase, StringComparison.Ordinal) ? " " + pick.UnitPhrase : string.Empty),
        };
    }

    public static (Verdict Verdict, string Explanation) Rate(ClaimedFigure? claimed, Answer answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        if (claimed is null)
        {
            return (Verdict.NotCheckable, "No number was found in the claim, so there is nothing to check against a published figure.");
        }

        if (answer.Status == AnswerStatus.OutOfScope)
        {
            return (Verdict.NotCheckable, $"Nothing in Tally's catalog relates to the claim, so {claimed.Text} cannot be checked against a published figure.");
        }

        var mains = answer.Figures.Where(f => f.Role == FigureRole.Main).ToList();
        var matchMain = mains.Select(f => (Figure: f, Match: Compare(claimed, f.Value, f.Unit))).Where(x => x.Match != Match.None).OrderBy(x => x.Match).FirstOrDefault();
        var matchRelated = answer.Related.Select(r => (Related: r, Match: Compare(claimed, r.Value, r.ValueText.EndsWith('%') ? "percent" : "count")))
            .Where(x => x.Match != Match.None).OrderBy(x => x.Match).FirstOrDefault();
        var matchOther = answer.Figures.Where(f => f.Role != FigureRole.Main).Select(f => (Figure: f, Match: Compare(claimed, f.Value, f.Unit)))
            .Where(x => x.Match != Match.None).OrderBy(x => x.Match).FirstOrDefault();

        string Says(AnswerFigure f) => $"{f.ValueText} ({Vocabulary.NameInSentence(f.MetricName)}, {PeriodText.Label(f.Period)}){CitationBook.Marker(f.Citations)}";
        string SaysRelated(RelatedFigure r) => $"{r.ValueText} ({Vocabulary.NameInSentence(r.MetricName)}, {PeriodText.Label(r.Period)}){CitationBook.Marker(r.Citations)}";

        switch (answer.Status)
        {
            case AnswerStatus.Answered when matchMain.Figure is not null:
            {
                var reading = answer.Caveats.Any(c => c.Code == Code.PeriodBasis && c.MetricId == matchMain.Figure.MetricId);
                if (matchMain.Match == Match.Exact && !reading)
                {
                    return (Verdict.Accurate, $"The claim's {claimed.Text} matches the published figure: {Says(matchMain.Figure)}.");
                }

                return (Verdict.MostlyAccurate, matchMain.Match == Match.Exact
                    ? $"The number matches {Says(matchMain.Figure)}, but only under one reading of the claim's period: {answer.Caveats.First(c => c.Code == Code.PeriodBasis).Text}"
                    : $"The claim's {claimed.Text} is a rounded or hedged version of the published figure, {Says(matchMain.Figure)}.");
            }

            case AnswerStatus.Answered when matchOther.Figure is not null:
                return (Verdict.Misleading, $"{claimed.Text} is a real figure, but for {Vocabulary.NameInSentence(matchOther.Figure.MetricName)} ({PeriodText.Label(matchOther.Figure.Period)}){CitationBook.Marker(matchOther.Figure.Citations)}, not for what the claim says; the figure for that is {Says(mains[0])}.");

            case AnswerStatus.Answered or AnswerStatus.Partial or AnswerStatus.NotPublished when matchRelated.Related is not null:
                return (Verdict.Misleading, $"{claimed.Text} is a real figure, but it measures something else: {SaysRelated(matchRelated.Related)}. {matchRelated.Related.Reason}");

            case AnswerStatus.Answered:
                return (Verdict.Inaccurate, $"The published figure is {Says(mains[0])}; the claim says {claimed.Text}.");

            case AnswerStatus.Partial when matchMain.Figure is not null:
                return (Verdict.Misleading, $"{claimed.Text} matches {Says(matchMain.Figure)}, which is not exactly what the claim describes: {answer.Headline}");

            case AnswerStatus.NeedsClarification when matchMain.Figure is not null:
                return (Verdict.MostlyAccurate, $"The claim's number matches {Says(matchMain.Figure)} under one reading of its wording; under another reading the published figure differs. {answer.Headline}");

            case AnswerStatus.NeedsClarification:
                return (Verdict.Inaccurate, $"The claim's {claimed.Text} matches none of the published figures for the readings of its wording: {answer.Headline}");

            default:
                return (Verdict.Unsupported, $"No public source in Tally's catalog publishes a figure for what the claim states, so {claimed.Text} cannot be confirmed or refuted. {answer.Headline}");
        }
    }

    private enum Match
    {
        Exact = 0,
        Rounded = 1,
        Bound = 2,
        None = 3,
    }

    /// <summary>Compares the claimed value with a figure value in base units (shares as fractions).</summary>
    private static Match Compare(ClaimedFigure claimed, double value, string unit)
    {
        var percent = ValueText.IsPercent(unit);
        var c = claimed.Value;
        if (percent && c > 1.0)
        {
            c /= 100.0; // "33" read without a percent sign
        }

        var tolerance = percent ? 0.0005 : 0.5;
        var hedged = claimed.Qualifier is not (Common.V1.Qualifier.Exact or Common.V1.Qualifier.Unspecified);
        if (!hedged && Math.Abs(c - value) <= tolerance)
        {
            return Match.Exact;
        }

        // Rounded: the claim's own precision (trailing zeros, or decimals of a percentage) covers the difference.
        var precision = percent ? 0.01 : Math.Pow(10, TrailingZeros(c));
        if (Math.Abs(c - value) <= Math.Max(precision / 2, tolerance) + 1e-9 || (hedged && Math.Abs(c - value) <= Math.Abs(value) * 0.05))
        {
            return Match.Rounded;
        }

        return claimed.Qualifier switch
        {
            Common.V1.Qualifier.MoreThan or Common.V1.Qualifier.AtLeast when value >= c && value <= c * 1.25 => Match.Bound,
            Common.V1.Qualifier.FewerThan or Common.V1.Qualifier.AtMost when value <= c && value >= c * 0.75 => Match.Bound,
            _ => Match.None,
        };
    }

    private static int TrailingZeros(double v)
    {
        var n = (long)Math.Round(Math.Abs(v));
        if (n == 0 || Math.Abs(v - Math.Round(v)) > 1e-9)
        {
            return 0;
        }

        var zeros = 0;
        while (n % 10 == 0 && zeros < 9)
        {
            n /= 10;
            zeros++;
        }

        return zeros;
    }

    public static string VerdictWords(Verdict verdict) => verdict switch
    {
        Verdict.Accurate => "Accurate",
        Verdict.MostlyAccurate => "Mostly accurate",
        Verdict.Misleading => "Misleading",
        Verdict.Inaccurate => "Inaccurate",
        Verdict.Unsupported => "Unsupported",
        Verdict.NotCheckable => "Not checkable",
        _ => "Unrated",
    };

    /// <summary>schema.org ratingValue on a 1-5 scale; null for verdicts that rate nothing.</summary>
    public static int? RatingValue(Verdict verdict) => verdict switch
    {
        Verdict.Accurate => 5,
        Verdict.MostlyAccurate => 4,
        Verdict.Misleading => 2,
        Verdict.Inaccurate => 1,
        _ => null,
    };
}
