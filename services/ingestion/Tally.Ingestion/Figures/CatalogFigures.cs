using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Tally.Analysis;
using Tally.Catalog;
using Tally.Catalog.Model;
using Tally.Common.V1;
using Tally.Ingestion.Storage;
using CatalogFigure = Tally.Catalog.Model.Figure;
using Citation = Tally.Common.V1.Citation;
using CatalogQualifier = Tally.Catalog.Model.FigureQualifier;
using CatalogStatus = Tally.Catalog.Model.FigureStatus;
using Figure = Tally.Common.V1.Figure;
using FigureStatus = Tally.Common.V1.FigureStatus;

namespace Tally.Ingestion.Figures;

/// <summary>
/// The bundled catalog's published figures as proto <see cref="Figure"/>s: REVIEWED, with the catalog figure id,
/// the metric's version, and citation ids from <see cref="CitationIds.ForSourceFragment"/> (the same ids the
/// citation service gives the records). A figure points at the newest snapshot of its citing source once one is stored.
/// </summary>
internal static class CatalogFigures
{
    public static Figure ToProto(CatalogFigure figure, Catalog.Catalog catalog)
    {
        var metric = catalog.GetMetric(figure.Metric);
        var sourceId = figure.Citations[0].Source;
        var proto = new Figure
        {
            Id = figure.Id,
            MetricId = figure.Metric,
            DefinitionVersion = metric.Version,
            Period = Periods.FromCatalog(figure.Period),
            Value = (double)figure.Value,
            Qualifier = Qualifier(figure.Qualifier),
            Status = Status(figure.Status),
            Unit = Unit(figure.Unit),
            ReviewState = ReviewState.Reviewed,
            ExtractedSentence = figure.Citations[0].Fragment,
            ValueText = figure.AsStated,
            SourceId = sourceId,
        };
        proto.Dimensions.AddRange(figure.Dimensions.Select(d => new Dimension { Key = d.Key, Value = d.Value }));
        foreach (var citation in figure.Citations)
        {
            var url = catalog.FindSource(citation.Source)?.Url?.OriginalString;
            proto.Citations.Add(new Citation
            {
                Id = CitationIds.ForSourceFragment(citation.Source, citation.Fragment),
                SourceId = citation.Source,
                Locator = new Locator { Section = citation.Locator },
                Fragment = citation.Fragment,
                Link = url is null ? "" : TextFragmentLink.Build(url, citation.Fragment),
            });
        }

        return proto;
    }

    public static Tally.Common.V1.Qualifier Qualifier(CatalogQualifier qualifier) => qualifier switch
    {
        CatalogQualifier.Exact => Tally.Common.V1.Qualifier.Exact,
        CatalogQualifier.Approximately or CatalogQualifier.OrderOfMagnitude => Tally.Common.V1.Qualifier.Approximately,
        CatalogQualifier.Nearly => Tally.Common.V1.Qualifier.Nearly,
        CatalogQualifier.AtLeast => Tally.Common.V1.Qualifier.AtLeast,
        CatalogQualifier.AtMost => Tally.Common.V1.Qualifier.AtMost,
        CatalogQualifier.MoreThan => Tally.Common.V1.Qualifier.MoreThan,
        CatalogQualifier.LessThan => Tally.Common.V1.Qualifier.FewerThan,
        _ => Tally.Common.V1.Qualifier.Unspecified,
    };

    private static FigureStatus Status(CatalogStatus status) => status switch
    {
        CatalogStatus.Final => FigureStatus.Final,
        CatalogStatus.Provisional => FigureStatus.Provisional,
        CatalogStatus.YearToDate => FigureStatus.YearToDate,
        CatalogStatus.Revised => FigureStatus.Revised,
        _ => FigureStatus.Unspecified,
    };

    /// <summary>The proto unit vocabulary ("count", "percent", "usd", "pound").</summary>
    private static string Unit(MeasureUnit unit) => unit switch
    {
        MeasureUnit.Percent => "percent",
        MeasureUnit.UsDollars => "usd",
        MeasureUnit.Pounds => "pound",
        _ => "count",
    };
}

/// <summary>Loads the catalog's figures into the figure store at start (after the migrations ran).</summary>
internal sealed partial class CatalogFigureLoader(
    Catalog.Catalog catalog, FigureStore figures, ILogger<CatalogFigureLoader> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var protos = catalog.Figures.Select(f => CatalogFigures.ToProto(f, catalog)).ToList();
        var stored = await figures.ReplaceCatalogFiguresAsync(protos, cancellationToken);
        LogLoaded(logger, stored, catalog.Version);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded {Count} published figures from catalog {Version}")]
    private static partial void LogLoaded(ILogger logger, int count, string version);
}
