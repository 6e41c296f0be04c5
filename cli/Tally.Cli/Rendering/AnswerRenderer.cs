using Google.Protobuf.Collections;
using Spectre.Console;
using Tally.Citations.V1;
using Tally.Common.V1;
using Tally.Query.V1;

namespace Tally.Cli.Rendering;

/// <summary>
/// Renders an Answer for a terminal: status badge and question, headline, the figures as an aligned table,
/// caveats, related figures and why they differ, calculations, data gaps, unreviewed figures, follow-ups,
/// numbered references and where the answer was served from. Pure: the same Answer gives the same text.
/// </summary>
internal static class AnswerRenderer
{
    public static string Render(Answer answer, RenderSettings settings, bool showResolution = false)
    {
        ArgumentNullException.ThrowIfNull(answer);
        var canvas = new TextCanvas(settings);
        Write(canvas, answer, showResolution);
        return canvas.ToString();
    }

    /// <summary>Appends the answer's sections to <paramref name="canvas"/> (used by claim checks too).</summary>
    public static void Write(TextCanvas canvas, Answer answer, bool showResolution = false)
    {
        ArgumentNullException.ThrowIfNull(canvas);
        ArgumentNullException.ThrowIfNull(answer);
        var badge = new Paragraph();
        badge.Append($" {Formats.ProtoName(answer.Status)} ", StatusStyle(answer.Status));
        if (!string.IsNullOrWhiteSpace(answer.Question))
        {
            badge.Append("  " + answer.Question, TextCanvas.Dim);
        }
        badge.Append("\n");
        canvas.Add(badge);
        if (!string.IsNullOrWhiteSpace(answer.Headline))
        {
            canvas.Blank().Line(answer.Headline, TextCanvas.Bold);
        }
        Figures(canvas, "Figures", answer.Figures, showRole: answer.Figures.Any(f => f.Role is not (FigureRole.Main or FigureRole.Unspecified)));
        Caveats(canvas, answer.Caveats);
        Related(canvas, answer.Related);
        Calculations(canvas, answer.Calculations);
        DataGaps(canvas, answer.DataGaps);
        Figures(canvas, "Found in a source, not yet reviewed", answer.UnreviewedFigures, showRole: false);
        if (answer.FollowUps.Count > 0)
        {
            canvas.Heading("Follow-up questions");
            foreach (var question in answer.FollowUps)
            {
                canvas.Indented("- " + question);
            }
        }
        if (showResolution && answer.Resolution is { } resolution)
        {
            Resolution(canvas, resolution);
        }
        References(canvas, answer.Citations);
        ServedFrom(canvas, answer.ServedFrom);
    }

    public static Style StatusStyle(AnswerStatus status) => status switch
    {
        AnswerStatus.Answered => new Style(Color.Black, Color.Green, Decoration.Bold),
        AnswerStatus.Partial => new Style(Color.Black, Color.Yellow, Decoration.Bold),
        AnswerStatus.NotPublished => new Style(Color.White, Color.Red, Decoration.Bold),
        AnswerStatus.NeedsClarification => new Style(Color.Black, Color.Aqua, Decoration.Bold),
        _ => new Style(Color.White, Color.Grey, Decoration.Bold),
    };

    public static void Figures(TextCanvas canvas, string heading, RepeatedField<AnswerFigure> figures, bool showRole)
    {
        if (figures.Count == 0)
        {
            return;
        }
        canvas.Heading(heading);
        var headers = new List<string> { ">Value", "Period", "Metric", "Qualifier" };
        if (showRole)
        {
            headers.Add("Role");
        }
        headers.Add("Cited");
        var table = canvas.Table([.. headers]);
        foreach (var figure in figures)
        {
            var metric = Formats.MetricRef(figure.MetricId, figure.DefinitionVersion);
            if (figure.Dimensions.Count > 0)
            {
                metric += $" [{Formats.Dimensions(figure.Dimensions)}]";
            }
            if (!string.IsNullOrWhiteSpace(figure.MetricName))
            {
                metric += "\n" + figure.MetricName;
            }
            if (figure.DefinitionUpdatedBy.Length > 0)
            {
                metric += $"\ndefinition by {figure.DefinitionUpdatedBy}" +
                          (figure.DefinitionUpdatedAt is { } at ? $", {at.ToDateTime():yyyy-MM-dd}" : "");
            }
            var period = Formats.Period(figure.Period);
            if (!string.IsNullOrWhiteSpace(figure.Vintage))
            {
                period += $"\nvintage {figure.Vintage}";
            }
            var qualifier = string.Join(", ", new[]
            {
                Formats.Qualifier(figure.Qualifier),
                figure.Status is FigureStatus.Provisional or FigureStatus.YearToDate or FigureStatus.Revised ? Formats.Words(figure.Status) : "",
            }.Where(s => s.Length > 0));
            var cells = new List<Spectre.Console.Rendering.IRenderable>
            {
                TextCanvas.Cell(Formats.Value(figure.Value, figure.Unit, figure.ValueText), TextCanvas.Bold),
                TextCanvas.Cell(period),
                TextCanvas.Cell(metric),
                TextCanvas.Cell(qualifier),
            };
            if (showRole)
            {
                cells.Add(TextCanvas.Cell(figure.Role == FigureRole.Unspecified ? "" : Formats.Words(figure.Role)));
            }
            cells.Add(TextCanvas.Cell(Formats.Citations(figure.Citations)));
            table.AddRow(cells);
        }
        canvas.Add(table);
    }

    public static void Caveats(TextCanvas canvas, RepeatedField<Caveat> caveats)
    {
        if (caveats.Count == 0)
        {
            return;
        }
        canvas.Heading("Caveats");
        var grid = new Grid().AddColumn(new GridColumn { NoWrap = true, Padding = new Padding(2, 0, 1, 0) }).AddColumn();
        foreach (var caveat in caveats)
        {
            var text = caveat.Text;
            if (!string.IsNullOrWhiteSpace(caveat.MetricId))
            {
                text += $" ({caveat.MetricId})";
            }
            grid.AddRow(TextCanvas.Cell(Formats.ProtoName(caveat.Code) + ":", TextCanvas.Styled(Color.Yellow)), TextCanvas.Cell(text));
        }
        canvas.Add(grid);
    }

    private static void Related(TextCanvas canvas, RepeatedField<RelatedFigure> related)
    {
        if (related.Count == 0)
        {
            return;
        }
        canvas.Heading("Related figures (different metrics, not interchangeable)");
        var table = canvas.Table(">Value", "Period", "Metric", "Why it differs", "Cited");
        foreach (var figure in related)
        {
            var metric = Formats.MetricRef(figure.MetricId, figure.DefinitionVersion);
            if (!string.IsNullOrWhiteSpace(figure.MetricName))
            {
                metric += "\n" + figure.MetricName;
            }
            var why = figure.Reason;
            if (figure.Differences.Count > 0)
            {
                why += $"\n({string.Join(", ", figure.Differences.Select(Formats.ProtoName))})";
            }
            var value = Formats.Value(figure.Value, unit: null, figure.ValueText);
            var qualifier = Formats.Qualifier(figure.Qualifier);
            if (string.IsNullOrWhiteSpace(figure.ValueText) && qualifier is not ("" or "exact"))
            {
                value = $"{qualifier} {value}";
            }
            table.AddRow(TextCanvas.Cell(value, TextCanvas.Bold), TextCanvas.Cell(Formats.Period(figure.Period)),
                TextCanvas.Cell(metric), TextCanvas.Cell(why), TextCanvas.Cell(Formats.Citations(figure.Citations)));
        }
        canvas.Add(table);
    }

    private static void Calculations(TextCanvas canvas, RepeatedField<Calculation> calculations)
    {
        if (calculations.Count == 0)
        {
            return;
        }
        canvas.Heading("Calculations (recomputed by Tally)");
        foreach (var calculation in calculations)
        {
            var result = string.IsNullOrWhiteSpace(calculation.ResultText) ? Formats.Number(calculation.Result) : calculation.ResultText;
            canvas.Indented($"{calculation.Description}: {calculation.Expression} = {result}");
            if (calculation.HasPublishedValue)
            {
                var cited = calculation.PublishedCitation > 0 ? $" [{calculation.PublishedCitation}]" : "";
                var published = Formats.LikeResult(calculation.PublishedValue, calculation.Result, result);
                canvas.Indented(calculation.MatchesPublished
                    ? $"{canvas.Check(true)} matches the published {published}{cited}"
                    : $"{canvas.Check(false)} differs from the published {published}{cited}",
                    indent: 4, calculation.MatchesPublished ? TextCanvas.Styled(Color.Green) : TextCanvas.Styled(Color.Red, bold: true));
            }
            else
            {
                canvas.Indented("no source publishes this value; computed from the figures above", indent: 4, TextCanvas.Dim);
            }
        }
    }

    private static void DataGaps(TextCanvas canvas, RepeatedField<DataGap> gaps)
    {
        if (gaps.Count == 0)
        {
            return;
        }
        canvas.Heading("Data gaps: what would settle this");
        foreach (var gap in gaps)
        {
            canvas.Indented(string.IsNullOrWhiteSpace(gap.Question) ? gap.MetricId : $"{gap.Question} ({gap.MetricId})", style: TextCanvas.Bold);
            if (!string.IsNullOrWhiteSpace(gap.WhyUnpublished))
            {
                canvas.Indented("Why unpublished: " + gap.WhyUnpublished, indent: 4);
            }
            if (!string.IsNullOrWhiteSpace(gap.WhatWouldSettle))
            {
                canvas.Indented("What would settle it: " + gap.WhatWouldSettle, indent: 4);
            }
        }
    }

    private static void Resolution(TextCanvas canvas, Resolution resolution)
    {
        canvas.Heading("How the question was read");
        if (resolution.Parsed is { } parsed)
        {
            var period = Formats.Period(parsed.Period);
            if (period.Length > 0)
            {
                canvas.Indented(parsed.PeriodText.Length > 0 ? $"period: {period} (from \"{parsed.PeriodText}\")" : $"period: {period}");
            }
            if (parsed.AlternativePeriods.Count > 0)
            {
                canvas.Indented("also possible: " + string.Join(", ", parsed.AlternativePeriods.Select(Formats.Period)));
            }
            if (parsed.Agency.Length > 0)
            {
                canvas.Indented("agency: " + parsed.Agency);
            }
            foreach (var term in parsed.Terms)
            {
                var alternatives = term.AlternativeConcepts.Count > 0 ? $" (or {string.Join(", ", term.AlternativeConcepts)})" : "";
                canvas.Indented($"\"{term.Word}\" {canvas.Dash} {term.Concept}{alternatives}");
            }
        }
        if (resolution.Candidates.Count > 0)
        {
            var table = canvas.Table(">Score", "Metric", "Why it matched");
            foreach (var candidate in resolution.Candidates)
            {
                var chosen = resolution.ChosenMetricIds.Contains(candidate.MetricId) ? " (chosen)" : "";
                var gap = candidate.IsGap ? " (gap)" : "";
                var why = string.Join("\n", candidate.Reasons.Concat(candidate.Conflicts.Select(c => $"{Formats.ProtoName(c.Code)}: {c.Text}")));
                table.AddRow(TextCanvas.Cell(candidate.Score.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)),
                    TextCanvas.Cell(Formats.MetricRef(candidate.MetricId, candidate.Version) + chosen + gap), TextCanvas.Cell(why));
            }
            canvas.Add(table);
        }
    }

    /// <summary>"[1] ✓ Title — Publisher (published …, accessed …)", then where, the link (never wrapped) and the quoted fragment.</summary>
    public static void References(TextCanvas canvas, RepeatedField<Reference> references)
    {
        if (references.Count == 0)
        {
            return;
        }
        canvas.Heading("References");
        var markWidth = references.Max(r => $"[{r.Number}] {canvas.Check(r.Verified)}".Length);
        var bodyIndent = 2 + markWidth + 1;
        foreach (var reference in references.OrderBy(r => r.Number))
        {
            var title = string.IsNullOrWhiteSpace(reference.Title) ? reference.CitationId : reference.Title;
            var line = title;
            if (!string.IsNullOrWhiteSpace(reference.Publisher))
            {
                line += $" {canvas.Dash} {reference.Publisher}";
            }
            var dates = string.Join(", ", new[]
            {
                reference.PublishedDate.Length > 0 ? reference.PublishedDate : "",
                reference.Accessed.Length > 0 ? "accessed " + reference.Accessed : "",
            }.Where(s => s.Length > 0));
            if (dates.Length > 0)
            {
                line += $" ({dates})";
            }
            var mark = new Paragraph();
            mark.Append($"[{reference.Number}] ", TextCanvas.Bold);
            mark.Append(canvas.Check(reference.Verified), reference.Verified ? TextCanvas.Styled(Color.Green, bold: true) : TextCanvas.Styled(Color.Red, bold: true));
            var grid = new Grid()
                .AddColumn(new GridColumn { NoWrap = true, Padding = new Padding(2, 0, 1, 0), Width = markWidth })
                .AddColumn(new GridColumn { Padding = new Padding(0) });
            grid.AddRow(mark, TextCanvas.Cell(line));
            canvas.Add(grid);
            if (!string.IsNullOrWhiteSpace(reference.OriginalSourceId))
            {
                var original = string.IsNullOrWhiteSpace(reference.OriginalPublisher)
                    ? reference.OriginalTitle
                    : $"{reference.OriginalPublisher}, {reference.OriginalTitle}";
                canvas.Indented($"reporting: {original}", bodyIndent);
            }
            if (!string.IsNullOrWhiteSpace(reference.LocatorText))
            {
                canvas.Indented(reference.LocatorText, bodyIndent, TextCanvas.Dim);
            }
            var link = string.IsNullOrWhiteSpace(reference.Link) ? reference.Url : reference.Link;
            if (!string.IsNullOrWhiteSpace(link))
            {
                canvas.Add(new RawLine(link, bodyIndent, TextCanvas.Styled(Color.Blue)));
            }
            if (!string.IsNullOrWhiteSpace(reference.Fragment))
            {
                var quote = canvas.Settings.Unicode ? $"“{reference.Fragment}”" : $"\"{reference.Fragment}\"";
                canvas.Indented(reference.Verified ? quote : $"{quote} (not found in the stored source)", bodyIndent, TextCanvas.Dim);
            }
        }
    }

    /// <summary>"served from: cache (catalog v3; data ice-detention-stats 2024-10-01)".</summary>
    public static void ServedFrom(TextCanvas canvas, ServedFrom? servedFrom)
    {
        if (servedFrom is null)
        {
            return;
        }
        var kind = servedFrom.Kind switch
        {
            Query.V1.ServedFrom.Types.Kind.Cache => servedFrom.Store switch
            {
                Query.V1.ServedFrom.Types.Store.Redis => "cache, redis",
                Query.V1.ServedFrom.Types.Store.Memory => "cache, memory",
                _ => "cache",
            },
            Query.V1.ServedFrom.Types.Kind.Computed when servedFrom.CacheBypassed => "computed, cache unavailable",
            Query.V1.ServedFrom.Types.Kind.Computed => "computed",
            _ => "unknown",
        };
        var details = new List<string>();
        if (servedFrom.CatalogVersion > 0)
        {
            details.Add($"catalog v{servedFrom.CatalogVersion}");
        }
        details.AddRange(servedFrom.DataVersions.OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => $"data {d.Key} {d.Value}"));
        canvas.Blank().Line(details.Count > 0 ? $"served from: {kind} ({string.Join("; ", details)})" : $"served from: {kind}", TextCanvas.Dim);
    }
}
