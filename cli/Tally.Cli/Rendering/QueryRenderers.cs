using Spectre.Console;
using Tally.Query.V1;

namespace Tally.Cli.Rendering;

/// <summary>Text for the query results that are not a plain Answer: series, claim checks, metric comparisons.</summary>
internal static class QueryRenderers
{
    public static string Series(GetSeriesResponse series, RenderSettings settings)
    {
        ArgumentNullException.ThrowIfNull(series);
        var canvas = new TextCanvas(settings);
        if (series.Metric is { } metric)
        {
            canvas.Line($"{metric.Name} ({Formats.MetricRef(metric.Id, metric.Version)})", TextCanvas.Bold);
            if (!string.IsNullOrWhiteSpace(metric.Description))
            {
                canvas.Line(metric.Description);
            }
        }
        if (series.Points.Count == 0)
        {
            canvas.Blank().Line("No values in this range.");
        }
        else
        {
            canvas.Blank();
            var table = canvas.Table("Period", ">Value", "Qualifier", "Status", "Vintage", "Cited");
            foreach (var point in series.Points)
            {
                table.AddRow(TextCanvas.Cell(Formats.Period(point.Period)),
                    TextCanvas.Cell(Formats.Value(point.Value, point.Unit, point.ValueText), TextCanvas.Bold),
                    TextCanvas.Cell(Formats.Qualifier(point.Qualifier)),
                    TextCanvas.Cell(point.Status == Common.V1.FigureStatus.Unspecified ? "" : Formats.Words(point.Status)),
                    TextCanvas.Cell(point.Vintage),
                    TextCanvas.Cell(Formats.Citations(point.Citations)));
            }
            canvas.Add(table);
        }
        AnswerRenderer.Caveats(canvas, series.Caveats);
        AnswerRenderer.References(canvas, series.Citations);
        AnswerRenderer.ServedFrom(canvas, series.ServedFrom);
        return canvas.ToString();
    }

    public static string Claim(CheckClaimResponse check, RenderSettings settings)
    {
        ArgumentNullException.ThrowIfNull(check);
        var canvas = new TextCanvas(settings);
        var verdict = new Paragraph();
        verdict.Append($" {Formats.ProtoName(check.Verdict)} ", VerdictStyle(check.Verdict));
        var claim = check.Answer?.Question is { Length: > 0 } question ? question : "verdict";
        verdict.Append($"  {claim}\n", TextCanvas.Dim);
        canvas.Add(verdict);
        if (!string.IsNullOrWhiteSpace(check.Explanation))
        {
            canvas.Blank().Line(check.Explanation);
        }
        if (check.Claimed is { } claimed)
        {
            var qualifier = Formats.Qualifier(claimed.Qualifier);
            canvas.Blank().Line($"Claimed: \"{claimed.Text}\" = {(qualifier is "" or "exact" ? "" : qualifier + " ")}{Formats.Number(claimed.Value)}");
        }
        if (check.Answer is { } answer)
        {
            canvas.Heading("The answer behind it");
            AnswerRenderer.Write(canvas, answer);
        }
        return canvas.ToString();
    }

    public static string Difference(ExplainDifferenceResponse response, RenderSettings settings)
    {
        ArgumentNullException.ThrowIfNull(response);
        var canvas = new TextCanvas(settings);
        var difference = response.Difference ?? new Definitions.V1.ExplainDifferenceResponse();
        if (difference.A is { } a && difference.B is { } b)
        {
            canvas.Line($"A: {a.Name} ({Formats.MetricRef(a.Id, a.Version)})", TextCanvas.Bold);
            canvas.Line($"B: {b.Name} ({Formats.MetricRef(b.Id, b.Version)})", TextCanvas.Bold);
        }
        var interchangeable = difference.Interchangeable
            ? $"{canvas.Check(true)} interchangeable: either may stand for the other"
            : $"{canvas.Check(false)} not interchangeable: do not use one for the other";
        canvas.Blank().Line(interchangeable, difference.Interchangeable ? TextCanvas.Styled(Color.Green, bold: true) : TextCanvas.Styled(Color.Red, bold: true));
        var summary = response.Summary.Length > 0 ? response.Summary : difference.Summary;
        if (summary.Length > 0)
        {
            canvas.Blank().Line(summary);
        }
        if (difference.Differences.Count > 0)
        {
            canvas.Heading("How they differ");
            var table = canvas.Table("Property", "A", "B", "Why it matters");
            foreach (var d in difference.Differences)
            {
                var why = d.Code == Common.V1.Caveat.Types.Code.Unspecified ? d.Explanation
                    : d.Explanation.Length == 0 ? Formats.ProtoName(d.Code)
                    : $"{Formats.ProtoName(d.Code)}: {d.Explanation}";
                table.AddRow(TextCanvas.Cell(d.Property), TextCanvas.Cell(d.AValue), TextCanvas.Cell(d.BValue), TextCanvas.Cell(why));
            }
            canvas.Add(table);
        }
        if (difference.Relations.Count > 0)
        {
            canvas.Heading("Recorded relations");
            foreach (var relation in difference.Relations)
            {
                canvas.Indented($"{relation.FromMetricId} {Formats.Words(relation.Type)} {relation.ToMetricId}: {relation.Reason}");
            }
        }
        AnswerRenderer.Caveats(canvas, difference.Caveats);
        AnswerRenderer.Figures(canvas, "Values", response.Figures, showRole: false);
        AnswerRenderer.References(canvas, response.Citations);
        if (difference.CatalogVersion > 0)
        {
            canvas.Blank().Line($"catalog v{difference.CatalogVersion}", TextCanvas.Dim);
        }
        return canvas.ToString();
    }

    private static Style VerdictStyle(Verdict verdict) => verdict switch
    {
        Verdict.Accurate => new Style(Color.Black, Color.Green, Decoration.Bold),
        Verdict.MostlyAccurate => new Style(Color.Black, Color.Lime, Decoration.Bold),
        Verdict.Misleading => new Style(Color.Black, Color.Yellow, Decoration.Bold),
        Verdict.Inaccurate => new Style(Color.White, Color.Red, Decoration.Bold),
        _ => new Style(Color.White, Color.Grey, Decoration.Bold),
    };
}
