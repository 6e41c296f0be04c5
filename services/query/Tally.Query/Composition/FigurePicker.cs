using Tally.Common.V1;
using Tally.Definitions.V1;
using Code = Tally.Common.V1.Caveat.Types.Code;

namespace Tally.Query.Composition;

/// <summary>How well a figure's period fits the period asked.</summary>
public enum PeriodMatch
{
    /// <summary>The period asked (or no particular period was asked).</summary>
    Exact = 0,

    /// <summary>Another plausible reading of the period asked ("in 2024" read as FY2024).</summary>
    Reading = 1,

    /// <summary>A nearby period: other basis, part of the year, another year or date.</summary>
    Nearby = 2,

    /// <summary>The source gives no period.</summary>
    None = 3,
}

/// <summary>A figure chosen for a metric, with how its period fits and what a reader must be told about it.</summary>
public sealed record PickedFigure(Figure Figure, MetricDefinition Metric, PeriodMatch Match, IReadOnlyList<Difference> Differences);

/// <summary>
/// Chooses the figure that answers for a metric: reviewed, a number (not a characterisation), the period asked
/// or its nearest reading, then final before revised before provisional before unstated before year-to-date,
/// then the latest period, the latest vintage and the latest recording.
/// </summary>
public static class FigurePicker
{
    /// <summary>Figures a person has reviewed (REVIEW_STATE_UNSPECIFIED counts as unreviewed, per the contract).</summary>
    public static bool IsReviewed(Figure f) => f.ReviewState == ReviewState.Reviewed;

    /// <summary>Figures to list as "found in a source, not yet reviewed".</summary>
    public static bool IsUnreviewed(Figure f) => f.ReviewState is ReviewState.Unreviewed or ReviewState.Unspecified;

    public static PickedFigure? Pick(
        QuestionReading q, MetricDefinition metric, IEnumerable<Figure> figures,
        IReadOnlyList<Dimension>? dimensions = null, string? vintage = null, bool allowCharacterisations = false)
    {
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(metric);
        var eligible = figures.Where(f => IsReviewed(f) && (allowCharacterisations || !ValueText.IsCharacterisation(f))
                                          && (string.IsNullOrEmpty(vintage) || f.Vintage == vintage)).ToList();
        var wanted = dimensions ?? [];
        var exactDims = eligible.Where(f => SameDimensions(f.Dimensions, wanted)).ToList();
        var narrowed = exactDims.Count == 0 && wanted.Count == 0 && eligible.Count > 0;
        var pool = narrowed ? eligible : exactDims;
        if (pool.Count == 0)
        {
            return null;
        }

        var scored = pool.Select(f => (Figure: f, Fit: Fit(q, metric, f.Period))).ToList();
        var asked = q.Period;
        var best = scored
            .OrderBy(x => x.Fit.Match)
            .ThenBy(x => asked is null || x.Fit.Match != PeriodMatch.Nearby ? 0 : Distance(asked, x.Figure.Period))
            .ThenBy(x => StatusRank(x.Figure))
            .ThenByDescending(x => PeriodText.End(x.Figure.Period) ?? DateOnly.MinValue)
            .ThenByDescending(x => x.Figure.Vintage, StringComparer.Ordinal)
            .ThenByDescending(x => x.Figure.RecordedAt?.ToDateTimeOffset() ?? DateTimeOffset.MinValue)
            .ThenBy(x => x.Figure.Id, StringComparer.Ordinal)
            .First();

        var diffs = new List<Difference>();
        if (best.Fit.Difference is { } periodDiff)
        {
            diffs.Add(periodDiff);
        }

        diffs.AddRange(FigureNotes(best.Figure, metric, pool));
        if (narrowed && best.Figure.Dimensions.Count > 0)
        {
            var dims = string.Join(", ", best.Figure.Dimensions.Select(d => $"{d.Key} {d.Value}"));
            diffs.Add(new(Code.ScopeNarrower, Severity.Nearby, $"The only figure held covers part of the metric ({dims}), not its total.",
                $"covers {dims} only", metric.Id));
        }

        return new PickedFigure(best.Figure, metric, best.Fit.Match, diffs);
    }

    /// <summary>How a figure's period fits the question's period, with the caveat it raises.</summary>
    public static (PeriodMatch Match, Difference? Difference) Fit(QuestionReading q, MetricDefinition metric, Period? figurePeriod)
    {
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(metric);
        if (!PeriodText.IsSet(figurePeriod))
        {
            return (PeriodMatch.None, new(Code.DifferentPeriod, Severity.Nearby,
                "The source gives no period for this figure.", "has no stated period", metric.Id));
        }

        var fp = figurePeriod!;
        var figureLabel = PeriodText.Short(fp);
        var asked = q.Period;
        if (asked is null)
        {
            if (q.Annual && PeriodText.IsYearToDate(fp))
            {
                return (PeriodMatch.Nearby, new(Code.YearToDate, Severity.Nearby,
                    $"This figure covers only part of a year ({PeriodText.Phrase(fp)}); the question asks for a yearly number.",
                    "covers only part of a year", metric.Id));
            }

            return (PeriodMatch.Exact, null);
        }

        if (PeriodText.SameSpan(asked, fp))
        {
            return (PeriodMatch.Exact, null);
        }

        var askedLabel = PeriodText.Short(asked);
        if (asked.Kind == PeriodKind.CalendarYear && fp.Kind == PeriodKind.FiscalYear && asked.CalendarYear == fp.FiscalYear && !PeriodText.IsYearToDate(fp))
        {
            var text = $"This is a federal fiscal-year figure: fiscal year {fp.FiscalYear} runs {PeriodText.Range(PeriodText.Start(fp)!.Value, PeriodText.End(fp)!.Value)}, " +
                       $"so it includes the last three months of {fp.FiscalYear - 1} and leaves out the last three months of {fp.FiscalYear}.";
            return q.PeriodAmbiguous
                ? (PeriodMatch.Reading, new(Code.PeriodBasis, Severity.Note,
                    $"\u201C{Vocabulary.Capitalise(Trimmed(q.PeriodText, asked.CalendarYear))}\u201D is read as fiscal year {fp.FiscalYear}, the year the source reports in; no calendar-{asked.CalendarYear} figure is held. " + text,
                    $"covers fiscal year {fp.FiscalYear}, not calendar {asked.CalendarYear}", metric.Id))
                : (PeriodMatch.Nearby, new(Code.PeriodBasis, Severity.Nearby,
                    $"The question asks about calendar year {asked.CalendarYear}; no calendar-year figure is held. " + text,
                    $"covers fiscal year {fp.FiscalYear}, not calendar {asked.CalendarYear}", metric.Id));
        }

        if (asked.Kind == PeriodKind.FiscalYear && fp.Kind == PeriodKind.CalendarYear && asked.FiscalYear == fp.CalendarYear && !PeriodText.IsYearToDate(fp))
        {
            return (PeriodMatch.Nearby, new(Code.PeriodBasis, Severity.Nearby,
                $"The question asks about fiscal year {asked.FiscalYear} (October–September); this figure covers calendar year {fp.CalendarYear}.",
                $"covers calendar {fp.CalendarYear}, not fiscal year {asked.FiscalYear}", metric.Id));
        }

        if (q.AlternativePeriods.Any(a => PeriodText.SameSpan(a, fp)))
        {
            return (PeriodMatch.Reading, new(Code.PeriodBasis, Severity.Note,
                $"\"{q.PeriodText}\" is read as {figureLabel}, one reading of the period asked.", $"covers {figureLabel}", metric.Id));
        }

        if (PeriodText.IsYearToDate(fp) && PeriodText.Within(fp, asked))
        {
            return (PeriodMatch.Nearby, new(Code.YearToDate, Severity.Nearby,
                $"This figure covers only part of the period asked: {PeriodText.Phrase(fp)}, not the whole of {askedLabel}.",
                $"covers only {figureLabel}", metric.Id));
        }

        if (fp.Kind == PeriodKind.AsOfDate && asked.Kind != PeriodKind.AsOfDate && PeriodText.Within(fp, asked))
        {
            return (PeriodMatch.Reading, new(Code.DifferentPeriod, Severity.Note,
                $"The figure is a count on one day, {PeriodText.Short(fp)}, within the period asked ({askedLabel}).",
                $"is a count on {PeriodText.Short(fp)}", metric.Id));
        }

        if (asked.Kind is PeriodKind.DateRange && PeriodText.Within(fp, asked))
        {
            return (PeriodMatch.Exact, null);
        }

        return (PeriodMatch.Nearby, new(Code.DifferentPeriod, Severity.Nearby,
            $"No figure for {askedLabel} is held; this one is for {figureLabel}.", $"is for {figureLabel}, not {askedLabel}", metric.Id));
    }

    /// <summary>Caveats a figure carries whatever was asked: partial year, approximate, provisional, revised, unverified.</summary>
    public static IEnumerable<Difference> FigureNotes(Figure f, MetricDefinition metric, IReadOnlyList<Figure> sameMetric)
    {
        ArgumentNullException.ThrowIfNull(f);
        if (f.Status == FigureStatus.YearToDate && !PeriodText.IsYearToDate(f.Period))
        {
            yield return new(Code.YearToDate, Severity.Note, "The source marks this figure as year to date: later data will add to it.",
                "is year to date", metric.Id);
        }

        if (f.Qualifier is not Qualifier.Exact and not Qualifier.Unspecified)
        {
            var printed = string.IsNullOrWhiteSpace(f.ValueText) ? ValueText.Format(f) : f.ValueText.Trim();
            yield return new(Code.Approximate, Severity.Note,
                $"The source gives this number as \"{printed}\", not as an exact count.", $"is given as \"{printed}\"", metric.Id);
        }

        if (f.Status == FigureStatus.Provisional)
        {
            yield return new(Code.Provisional, Severity.Note, "The source calls this figure provisional; it may change.", "is provisional", metric.Id);
        }

        var others = sameMetric.Where(o => o.Id != f.Id && IsReviewed(o) && PeriodText.IsSet(o.Period) && PeriodText.SameSpan(o.Period, f.Period)
                                           && SameDimensions(o.Dimensions, f.Dimensions) && Math.Abs(ValueText.BaseValue(o) - ValueText.BaseValue(f)) > 1e-9)
            .ToList();
        if (f.Status == FigureStatus.Revised || others.Count > 0)
        {
            var alt = others.Count == 0 ? string.Empty
                : " Other published values for the same period: " + string.Join("; ", others.Select(o =>
                    $"{ValueText.Format(o)}{(string.IsNullOrEmpty(o.Vintage) ? string.Empty : $" (vintage {o.Vintage})")}")) + ".";
            var which = string.IsNullOrEmpty(f.Vintage) ? "the final figure" : $"vintage {f.Vintage}";
            yield return new(Code.Revised, Severity.Note,
                $"This figure has been revised or published differently elsewhere; this answer uses {which}.{alt}", "has been revised", metric.Id);
        }

    }

    public static bool SameDimensions(IEnumerable<Dimension> a, IEnumerable<Dimension> b) =>
        a.OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => (d.Key, d.Value))
            .SequenceEqual(b.OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => (d.Key, d.Value)));

    private static int StatusRank(Figure f) => f.Status switch
    {
        FigureStatus.Final => 0,
        FigureStatus.Revised => 1,
        FigureStatus.Provisional => 2,
        FigureStatus.Unspecified => 3,
        _ => 4,
    };

    private static int Distance(Period asked, Period figure) =>
        PeriodText.End(asked) is { } a && PeriodText.End(figure) is { } f ? Math.Abs(a.DayNumber - f.DayNumber) : int.MaxValue;

    private static string Trimmed(string periodText, int year) =>
        string.IsNullOrWhiteSpace(periodText) ? $"in {year}" : periodText.Trim();
}
