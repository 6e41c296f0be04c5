using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using Tally.Analysis;
using Tally.Common.V1;
using Tally.Definitions.V1;
using AnalysisQualifier = Tally.Analysis.FigureQualifier;
using Figure = Tally.Common.V1.Figure;
using FigureStatus = Tally.Common.V1.FigureStatus;

namespace Tally.Ingestion.Figures;

/// <summary>What one snapshot's text yields: figures to store, and how many candidates were already catalog figures.</summary>
internal sealed record ExtractedFigures(IReadOnlyList<Figure> Figures, int AlreadyInCatalog);

/// <summary>
/// Turns figure candidates of one snapshot into UNREVIEWED proto figures, linked to a metric where
/// <see cref="MetricLinker"/> is confident. Candidates that restate a published catalog figure of the same source
/// (same value, inside a passage the catalog cites) are not stored again: the reviewed figure already covers them.
/// Pure: no I/O.
/// </summary>
internal static class CandidateFigures
{
    public sealed record Context(
        string Text,
        ExtractedDocument Document,
        Snapshot Snapshot,
        Source Source,
        IReadOnlyList<MetricDefinition> Metrics,
        IReadOnlyList<(TextSpan Passage, double Value)> CatalogPassages,
        DateTimeOffset RecordedAt);

    public static ExtractedFigures Build(IReadOnlyList<FigureCandidate> candidates, Context context)
    {
        var figures = new List<Figure>(candidates.Count);
        var skipped = 0;
        foreach (var candidate in candidates)
        {
            if (context.CatalogPassages.Any(p => p.Passage.Overlaps(candidate.Span) && SameValue(p.Value, candidate.Value)))
            {
                skipped++;
                continue;
            }

            figures.Add(ToFigure(candidate, context));
        }

        return new ExtractedFigures(figures, skipped);
    }

    /// <summary>Deterministic id: the snapshot plus where the number is in its text.</summary>
    public static string FigureId(string snapshotId, TextSpan span)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{snapshotId}:{span.Start}:{span.Length}")));
        return "fig-" + Convert.ToHexStringLower(hash)[..20];
    }

    private static Figure ToFigure(FigureCandidate candidate, Context context)
    {
        var link = MetricLinker.Link(candidate, context.Metrics);
        var period = link is not null ? Periods.FromMention(link.Period) : Periods.FirstResolved(candidate.Periods)?.Period;
        var figure = new Figure
        {
            Id = FigureId(context.Snapshot.Id, candidate.Span),
            MetricId = link?.MetricId ?? "",
            DefinitionVersion = link?.Version ?? 0,
            Period = period,
            Value = candidate.Value,
            Qualifier = Qualifier(candidate.Qualifier),
            Status = period?.YearToDate == true ? FigureStatus.YearToDate : FigureStatus.Unspecified,
            Unit = candidate.Kind switch
            {
                FigureKind.Percent => "percent",
                FigureKind.Money => "usd",
                _ => "count",
            },
            SnapshotId = context.Snapshot.Id,
            Vintage = context.Snapshot.Vintage,
            ReviewState = ReviewState.Unreviewed,
            ExtractedSentence = candidate.Sentence,
            ValueText = candidate.Span.Slice(context.Text),
            SourceId = context.Source.Id,
            RecordedAt = Timestamp.FromDateTimeOffset(context.RecordedAt),
        };

        var page = context.Document.PageAt(candidate.SentenceSpan.Start);
        figure.Citations.Add(new Citation
        {
            SnapshotId = context.Snapshot.Id,
            SourceId = context.Source.Id,
            Locator = new Locator { Page = page ?? 0, CharStart = candidate.SentenceSpan.Start, CharEnd = candidate.SentenceSpan.End },
            Fragment = candidate.Sentence,
            Link = Link(context.Source.Url, candidate.Sentence, page),
        });
        return figure;
    }

    private static string Link(string url, string fragment, int? page)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return "";
        }

        if (page is { } p)
        {
            var hash = url.IndexOf('#', StringComparison.Ordinal);
            return (hash >= 0 ? url[..hash] : url) + "#page=" + p.ToString(CultureInfo.InvariantCulture);
        }

        return TextFragmentLink.Build(url, fragment);
    }

    private static bool SameValue(double a, double b) => Math.Abs(a - b) <= 1e-9 * Math.Max(1, Math.Abs(a));

    private static Tally.Common.V1.Qualifier Qualifier(AnalysisQualifier qualifier) => qualifier switch
    {
        AnalysisQualifier.Exact => Tally.Common.V1.Qualifier.Exact,
        AnalysisQualifier.Approximately => Tally.Common.V1.Qualifier.Approximately,
        AnalysisQualifier.AtLeast => Tally.Common.V1.Qualifier.AtLeast,
        AnalysisQualifier.MoreThan => Tally.Common.V1.Qualifier.MoreThan,
        AnalysisQualifier.FewerThan => Tally.Common.V1.Qualifier.FewerThan,
        AnalysisQualifier.AtMost => Tally.Common.V1.Qualifier.AtMost,
        AnalysisQualifier.Nearly => Tally.Common.V1.Qualifier.Nearly,
        _ => Tally.Common.V1.Qualifier.Unspecified,
    };
}
