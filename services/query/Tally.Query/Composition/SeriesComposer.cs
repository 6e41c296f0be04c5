using Tally.Common.V1;
using Tally.Definitions.V1;
using Tally.Query.V1;
using Code = Tally.Common.V1.Caveat.Types.Code;

namespace Tally.Query.Composition;

/// <summary>A series before its references are formatted.</summary>
public sealed record ComposedSeries(GetSeriesResponse Series, IReadOnlyList<Citation> Citations);

/// <summary>
/// A metric's values over a range: one point per period (the preferred figure: reviewed, final before revised
/// before provisional, latest vintage), oldest first, with caveats for partial last points, revisions, definition
/// changes and holes in the series. Pure.
/// </summary>
public static class SeriesComposer
{
    public static ComposedSeries Compose(MetricDefinition metric, Period? range, IReadOnlyList<Dimension> dimensions, IEnumerable<Figure> figures)
    {
        ArgumentNullException.ThrowIfNull(metric);
        ArgumentNullException.ThrowIfNull(dimensions);
        ArgumentNullException.ThrowIfNull(figures);
        var book = new CitationBook();
        var response = new GetSeriesResponse { Metric = metric };
        var eligible = figures.Where(f => FigurePicker.IsReviewed(f) && !ValueText.IsCharacterisation(f) && PeriodText.IsSet(f.Period)
                                          && FigurePicker.SameDimensions(f.Dimensions, dimensions)
                                          && (!PeriodText.IsSet(range) || PeriodText.Within(f.Period, range!)))
            .ToList();
        var groups = eligible.GroupBy(f => (Start: PeriodText.Start(f.Period), End: PeriodText.End(f.Period), Ytd: PeriodText.IsYearToDate(f.Period)))
            .OrderBy(g => g.Key.Start).ThenBy(g => g.Key.End).ToList();
        foreach (var group in groups)
        {
            var reading = new QuestionReading { Text = string.Empty, Period = group.First().Period };
            var picked = FigurePicker.Pick(reading, metric, group, dimensions)!;
            var f = picked.Figure;
            var point = new AnswerFigure
            {
                Value = ValueText.BaseValue(f),
                Period = f.Period,
                MetricId = metric.Id,
                DefinitionVersion = f.DefinitionVersion > 0 ? f.DefinitionVersion : metric.Version,
                Qualifier = f.Qualifier,
                Status = f.Status,
                Vintage = f.Vintage,
                Role = FigureRole.Main,
                MetricName = metric.Name,
                Unit = string.IsNullOrEmpty(f.Unit) ? metric.Unit : f.Unit,
                ValueText = ValueText.Format(f),
                FigureId = f.Id,
                ReviewState = f.ReviewState,
            };
            point.Dimensions.AddRange(f.Dimensions);
            point.Citations.AddRange(book.Cite(f));
            response.Points.Add(point);
            foreach (var note in picked.Differences.Where(d => d.Code == Code.Revised))
            {
                response.Caveats.Add(new Caveat { Code = Code.Revised, Text = $"{PeriodText.Short(f.Period)}: {note.Text}", MetricId = metric.Id });
            }
        }

        if (response.Points.Count > 0 && PeriodText.IsYearToDate(response.Points[^1].Period))
        {
            response.Caveats.Add(new Caveat
            {
                Code = Code.YearToDate,
                Text = $"The last point covers only part of its year ({PeriodText.Short(response.Points[^1].Period)}); do not compare it with full years.",
                MetricId = metric.Id,
            });
        }

        if (response.Points.Select(p => p.DefinitionVersion).Distinct().Count() > 1)
        {
            response.Caveats.Add(new Caveat
            {
                Code = Code.DefinitionChanged,
                Text = "Points were recorded under different versions of the metric's definition; check what changed before comparing them.",
                MetricId = metric.Id,
            });
        }

        var years = response.Points.Where(p => p.Period.Kind is PeriodKind.FiscalYear or PeriodKind.CalendarYear && !PeriodText.IsYearToDate(p.Period))
            .Select(p => PeriodText.Year(p.Period)).Where(y => y > 0).Order().ToList();
        var holes = years.Zip(years.Skip(1)).Where(x => x.Second - x.First > 1).Select(x => (x.First + 1, x.Second - 1)).ToList();
        if (holes.Count > 0)
        {
            var prefix = response.Points[0].Period.Kind == PeriodKind.FiscalYear ? "FY" : "CY";
            response.Caveats.Add(new Caveat
            {
                Code = Code.DifferentPeriod,
                Text = "No value is held for " + string.Join(", ", holes.Select(h => h.Item1 == h.Item2 ? $"{prefix}{h.Item1}" : $"{prefix}{h.Item1}–{prefix}{h.Item2}")) +
                       "; the series is not continuous, so do not read a trend across the gap without saying so.",
                MetricId = metric.Id,
            });
        }

        return new ComposedSeries(response, book.Citations);
    }
}
