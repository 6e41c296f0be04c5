using System.Globalization;
using System.Text;
using Tally.Citations.V1;
using Tally.Common.V1;
using Tally.Definitions.V1;
using Tally.Query.Composition;
using Tally.Query.V1;
using Code = Tally.Common.V1.Caveat.Types.Code;

namespace Tally.Query.Rendering;

/// <summary>
/// Renders an <see cref="Answer"/> as a Markdown brief in the shape of the seed fact-checks: a summary, numbered
/// findings, "What the evidence does and does not support", what would settle a gap, follow-up questions and the
/// numbered references. Pure: definitions are looked up through the function given.
/// </summary>
public static class BriefRenderer
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Render(Answer answer, Func<string, MetricDefinition?> metric, DateOnly checkedOn)
    {
        ArgumentNullException.ThrowIfNull(answer);
        ArgumentNullException.ThrowIfNull(metric);
        var md = new StringBuilder();
        md.Append("# Fact check: ").AppendLine(Escape(answer.Question.Length > 0 ? answer.Question : "Tally answer")).AppendLine();
        md.Append("*Checked by Tally on ").Append(PeriodText.Day(checkedOn)).Append(" · status: **").Append(StatusWords(answer.Status)).Append("**");
        if (answer.ServedFrom is { CatalogVersion: > 0 } served)
        {
            md.Append(" · catalog version ").Append(served.CatalogVersion.ToString(Inv));
        }

        md.AppendLine("*").AppendLine();

        md.AppendLine("## Summary").AppendLine();
        md.AppendLine(answer.Headline).AppendLine();
        var lead = answer.Caveats.FirstOrDefault(c => Weighty(c.Code));
        if (lead is not null && answer.Status is AnswerStatus.Answered or AnswerStatus.Partial)
        {
            md.AppendLine(lead.Text).AppendLine();
        }

        md.AppendLine("## Findings").AppendLine();
        var n = 0;
        foreach (var (title, body) in Findings(answer, metric))
        {
            md.Append("### ").Append((++n).ToString(Inv)).Append(". ").AppendLine(title).AppendLine();
            md.AppendLine(body.TrimEnd()).AppendLine();
        }

        md.AppendLine("## What the evidence does and does not support").AppendLine();
        var (supports, doesNot) = Support(answer, metric);
        md.AppendLine("**Supports:**").AppendLine();
        AppendList(md, supports.Count > 0 ? supports : ["No figure in the catalog bears directly on the question."]);
        md.AppendLine("**Does not support:**").AppendLine();
        AppendList(md, doesNot.Count > 0 ? doesNot : ["Nothing beyond the caveats above."]);

        if (answer.DataGaps.Count > 0)
        {
            md.AppendLine("## What would settle it").AppendLine();
            foreach (var gap in answer.DataGaps)
            {
                md.AppendLine(gap.WhatWouldSettle).AppendLine();
            }
        }

        if (answer.FollowUps.Count > 0)
        {
            md.AppendLine("## Want to dive deeper?").AppendLine();
            AppendList(md, answer.FollowUps);
        }

        md.AppendLine("## References").AppendLine();
        if (answer.Citations.Count == 0)
        {
            md.AppendLine("None: the answer cites no passage.").AppendLine();
        }

        foreach (var r in answer.Citations.OrderBy(r => r.Number))
        {
            md.AppendLine(Reference(r)).AppendLine();
        }

        return md.ToString().TrimEnd() + "\n";
    }

    /// <summary>"[1] ICE, *ICE Annual Report, Fiscal Year 2024* (published 2024-12-19; accessed 2025-11-22). "…" — Section 1. <link> Verified."</summary>
    public static string Reference(Reference r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var sb = new StringBuilder();
        sb.Append('[').Append(r.Number.ToString(Inv)).Append("] ");
        if (r.Publisher.Length > 0)
        {
            sb.Append(Escape(r.Publisher)).Append(", ");
        }

        sb.Append('*').Append(Escape(r.Title.Length > 0 ? r.Title : r.CitationId)).Append('*');
        var dates = new List<string>();
        if (r.PublishedDate.Length > 0)
        {
            dates.Add("published " + r.PublishedDate);
        }

        if (r.Accessed.Length > 0)
        {
            dates.Add("accessed " + r.Accessed);
        }

        if (dates.Count > 0)
        {
            sb.Append(" (").Append(string.Join("; ", dates)).Append(')');
        }

        sb.Append('.');
        if (r.OriginalSourceId.Length > 0)
        {
            sb.Append(" Reporting ")
                .Append(r.OriginalPublisher.Length > 0 ? Escape(r.OriginalPublisher) + ", " : "")
                .Append('*').Append(Escape(r.OriginalTitle)).Append("*.");
        }

        if (r.Fragment.Length > 0)
        {
            sb.Append(" \"").Append(Escape(r.Fragment)).Append('"');
            if (r.LocatorText.Length > 0)
            {
                sb.Append(" — ").Append(Escape(r.LocatorText));
            }

            sb.Append('.');
        }

        var link = r.Link.Length > 0 ? r.Link : r.Url;
        if (link.Length > 0)
        {
            sb.Append(" <").Append(link).Append('>');
        }

        sb.Append(r.Verified ? " Passage verified in the stored copy." : " Passage not yet verified in the stored copy.");
        return sb.ToString();
    }

    private static IEnumerable<(string Title, string Body)> Findings(Answer answer, Func<string, MetricDefinition?> metric)
    {
        var main = answer.Figures.Where(f => f.Role == FigureRole.Main).ToList();
        if (answer.Status == AnswerStatus.NotPublished)
        {
            foreach (var gap in answer.DataGaps)
            {
                yield return ("No public source publishes the number asked for", gap.WhyUnpublished);
            }
        }

        if (answer.Status == AnswerStatus.OutOfScope)
        {
            yield return ("Not a question a statistic answers", string.Join(" ", answer.Caveats.Select(c => c.Text)));
        }

        foreach (var f in main)
        {
            var definition = metric(f.MetricId);
            var body = new StringBuilder();
            body.Append("**").Append(f.ValueText).Append("** — ").Append(Escape(f.MetricName)).Append(", ").Append(PeriodText.Label(f.Period))
                .Append(Markers(f.Citations)).Append(". ");
            if (definition is not null)
            {
                body.Append(definition.Description.Trim()).Append(' ');
            }

            body.Append($"(Definition `{f.MetricId}` version {f.DefinitionVersion.ToString(Inv)}");
            if (f.DefinitionUpdatedBy.Length > 0)
            {
                body.Append(f.DefinitionUpdatedAt is { } at
                    ? $", last changed {at.ToDateTime().ToString("yyyy-MM-dd", Inv)} by {f.DefinitionUpdatedBy}"
                    : $", last changed by {f.DefinitionUpdatedBy}");
            }

            if (f.Vintage.Length > 0)
            {
                body.Append($"; data vintage {f.Vintage}");
            }

            body.Append($"; {StatusWords(f.Status)}.)");
            var unmapped = definition?.Caveats.Where(c => DefinitionCaveats.Map(c.Code) is null).Select(c => c.Text.Trim()).ToList() ?? [];
            if (unmapped.Count > 0)
            {
                body.Append(" Always true of this metric: ").Append(string.Join(" ", unmapped));
            }
            yield return (answer.Status == AnswerStatus.NeedsClarification ? $"One reading: {f.MetricName}" : $"{f.MetricName}, {PeriodText.Label(f.Period)}", body.ToString());
        }

        var parts = answer.Figures.Where(f => f.Role != FigureRole.Main).ToList();
        if (parts.Count > 0 || answer.Calculations.Count > 0)
        {
            var body = new StringBuilder();
            foreach (var f in parts)
            {
                body.Append("- ").Append(f.Role == FigureRole.Component ? "Part: " : "Context: ").Append("**").Append(f.ValueText).Append("** ")
                    .Append(Escape(f.MetricName)).Append(", ").Append(PeriodText.Label(f.Period)).Append(Markers(f.Citations)).AppendLine(".");
            }

            foreach (var c in answer.Calculations)
            {
                body.Append("- ").Append(Escape(c.Description)).Append(": ").Append(c.Expression).Append(" = **").Append(c.ResultText).Append("** (recomputed by Tally)");
                if (c.HasPublishedValue)
                {
                    body.Append(c.MatchesPublished ? "; matches the published figure" : "; does NOT match the published figure")
                        .Append(c.PublishedCitation > 0 ? $" [{c.PublishedCitation.ToString(Inv)}]" : string.Empty);
                }

                body.AppendLine(".");
            }

            yield return ("The arithmetic, recomputed from the figures", body.ToString());
        }

        var caveats = answer.Caveats.Where(c => c.Code != Code.UnreviewedFigure).ToList();
        if (caveats.Count > 0 && answer.Status != AnswerStatus.OutOfScope)
        {
            yield return ("What to keep in mind", string.Join("\n", caveats.Select(c => $"- **{CodeWords(c.Code)}.** {c.Text}")));
        }

        if (answer.Related.Count > 0)
        {
            var title = answer.Status == AnswerStatus.NotPublished
                ? "Related figures, and why none of them is the answer"
                : "Figures that look related but measure something else";
            yield return (title, string.Join("\n", answer.Related.Select(r =>
                $"- **{r.ValueText}** {Escape(r.MetricName)}, {PeriodText.Label(r.Period)}{Markers(r.Citations)}: {r.Reason}")));
        }

        if (answer.UnreviewedFigures.Count > 0)
        {
            yield return ("Found in a source, not yet reviewed", string.Join("\n", answer.UnreviewedFigures.Select(f =>
                $"- {f.ValueText} ({Escape(f.MetricName)}, {PeriodText.Label(f.Period)}){Markers(f.Citations)} — not used in this answer until a person checks it.")));
        }
    }

    private static (List<string> Supports, List<string> DoesNot) Support(Answer answer, Func<string, MetricDefinition?> metric)
    {
        var supports = new List<string>();
        var doesNot = new List<string>();
        foreach (var f in answer.Figures.Where(f => f.Role == FigureRole.Main))
        {
            supports.Add($"{Words(f.ValueText, f.MetricName)}, {PeriodText.Label(f.Period)}{Markers(f.Citations)}" +
                         (answer.Status == AnswerStatus.NeedsClarification ? " — under one reading of the question." : "."));
        }

        supports.AddRange(answer.Calculations.Where(c => !c.HasPublishedValue || c.MatchesPublished)
            .Select(c => $"{c.Description}: {c.ResultText} (recomputed).").Select(Vocabulary.Capitalise));
        if (answer.Status == AnswerStatus.NotPublished)
        {
            supports.InsertRange(0, answer.Related.Select(r => $"{Words(r.ValueText, r.MetricName)}, {PeriodText.Label(r.Period)}{Markers(r.Citations)} — as a figure for that metric only."));
        }

        switch (answer.Status)
        {
            case AnswerStatus.NotPublished:
                foreach (var gap in answer.DataGaps)
                {
                    doesNot.Add($"Any number for what was asked (\"{gap.Question.TrimEnd('?')}\"): no public source in the catalog publishes one.");
                }

                break;
            case AnswerStatus.NeedsClarification:
                doesNot.Add("Picking one of these numbers without saying which reading it answers.");
                break;
            case AnswerStatus.Partial:
                doesNot.Add("Reporting the figure above as exactly what was asked; the differences are listed under \"What to keep in mind\".");
                break;
        }

        var asked = answer.Resolution?.Parsed?.Agency ?? string.Empty;
        foreach (var c in answer.Caveats.Where(c => c.MetricId.Length > 0))
        {
            var figure = answer.Figures.FirstOrDefault(f => f.MetricId == c.MetricId && f.Role == FigureRole.Main);
            if (figure is null)
            {
                continue;
            }

            var value = figure.ValueText;
            var agency = metric(c.MetricId)?.Scope?.Agency ?? string.Empty;
            if (c.Code is Code.ScopeNarrower or Code.ScopeWider && (asked.Length == 0 || asked.Equals(agency, StringComparison.OrdinalIgnoreCase)))
            {
                continue; // the metric's own scope note; the question asked about the same agency
            }

            var line = c.Code switch
            {
                Code.DifferentUnit => $"Reading {value} as a count of distinct people.",
                Code.PeriodBasis when figure.Period.Kind == PeriodKind.FiscalYear =>
                    $"Reporting {value} as a calendar-year {figure.Period.FiscalYear.ToString(Inv)} total: it covers {PeriodText.Range(PeriodText.Start(figure.Period)!.Value, PeriodText.End(figure.Period)!.Value)}.",
                Code.PeriodBasis => $"Reporting {value} as a fiscal-year total: it covers {PeriodText.Label(figure.Period)}.",
                Code.YearToDate => $"Reporting {value} as a full-year total.",
                Code.ScopeNarrower => $"Reporting {value} as a total for all of {(asked.Length > 0 ? asked : "what was asked")}.",
                Code.ScopeWider => $"Reporting {value} as a figure for {(asked.Length > 0 ? asked : "what was asked")} alone.",
                Code.DifferentPopulation => $"Reporting {value} as a count of exactly the group of people asked about: {Vocabulary.NameInSentence(c.Text)}",
                Code.DifferentPeriod => $"Reporting {value} as the figure for the period asked.",
                _ => null,
            };
            if (line is not null && !doesNot.Contains(line))
            {
                doesNot.Add(line);
            }
        }

        if (answer.Status != AnswerStatus.NotPublished)
        {
            var main = answer.Figures.FirstOrDefault(f => f.Role == FigureRole.Main);
            foreach (var r in answer.Related)
            {
                doesNot.Add($"Using {r.ValueText} ({Vocabulary.NameInSentence(r.MetricName)}){Markers(r.Citations)} as {(main is null ? "the answer" : Vocabulary.NameInSentence(main.MetricName))}: {Vocabulary.NameInSentence(r.Reason)}");
            }
        }
        else
        {
            foreach (var r in answer.Related)
            {
                doesNot.Add($"Reporting {r.ValueText} ({Vocabulary.NameInSentence(r.MetricName)}){Markers(r.Citations)} as the answer: {Vocabulary.NameInSentence(r.Reason)}");
            }
        }

        return (supports, doesNot);
    }

    /// <summary>"271,484 ICE removals", or "32.7% (share of ICE removals with criminal histories)" for shares.</summary>
    private static string Words(string value, string metricName) =>
        value.EndsWith('%') ? $"{value} ({Vocabulary.NameInSentence(metricName)})" : $"{value} {Vocabulary.NameInSentence(metricName)}";

    private static void AppendList(StringBuilder md, IEnumerable<string> items)
    {
        foreach (var item in items)
        {
            md.Append("- ").AppendLine(item);
        }

        md.AppendLine();
    }

    private static string Markers(IEnumerable<int> citations) => CitationBook.Marker(citations);

    private static bool Weighty(Code code) => code is not (Code.Approximate or Code.UnverifiedCitation or Code.UnreviewedFigure);

    public static string StatusWords(AnswerStatus status) => status switch
    {
        AnswerStatus.Answered => "Answered",
        AnswerStatus.Partial => "Partly answered (nearest figure only)",
        AnswerStatus.NotPublished => "Not published",
        AnswerStatus.NeedsClarification => "Needs clarification",
        AnswerStatus.OutOfScope => "Out of scope",
        _ => "Unknown",
    };

    private static string StatusWords(FigureStatus status) => status switch
    {
        FigureStatus.Final => "final",
        FigureStatus.Provisional => "provisional",
        FigureStatus.YearToDate => "year to date",
        FigureStatus.Revised => "revised",
        _ => "the source does not say whether it is final",
    };

    public static string CodeWords(Code code) => code switch
    {
        Code.PeriodBasis => "Fiscal or calendar year",
        Code.DifferentPeriod => "Different period",
        Code.YearToDate => "Part of a year",
        Code.StockNotFlow => "A count on one date, not over a period",
        Code.FlowNotStock => "A count over a period, not on one date",
        Code.DifferentEvent => "A different event",
        Code.DifferentUnit => "Events, not people",
        Code.ScopeWider => "Wider scope",
        Code.ScopeNarrower => "Narrower scope",
        Code.DifferentPopulation => "Different population",
        Code.Approximate => "Approximate",
        Code.Provisional => "Provisional",
        Code.Revised => "Revised",
        Code.SuspectVintageSkipped => "Suspect data pull skipped",
        Code.UnreviewedFigure => "Not yet reviewed",
        Code.UnverifiedCitation => "Citation not verified",
        Code.ComputedNotPublished => "Computed, not published",
        Code.DefinitionChanged => "Definition changed",
        Code.DifferentStatistic => "A different statistic",
        _ => "Note",
    };

    /// <summary>Keeps Markdown control characters in source text from being read as markup.</summary>
    private static string Escape(string text) => text.Replace("*", "\\*", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);
}
