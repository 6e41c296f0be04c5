using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Tally.Catalog;
using Tally.Citations.Sources;
using Tally.Citations.Storage;
using Tally.Citations.Checking;
using Tally.Common.V1;

namespace Tally.Citations;

/// <summary>
/// Loads the catalog at start (after the migrations ran): its sources into the registry, and every figure citation
/// as a citation record with the id <see cref="CitationIds.ForSourceFragment"/> gives it — the id ingestion puts on
/// the figures. New records are pending (unverified, no snapshot) until a snapshot of their source is ingested;
/// records already stored keep their verification.
/// </summary>
internal sealed partial class CatalogCitationLoader(
    Catalog.Catalog catalog, SourceStore sources, CitationStore citations, TimeProvider time, ILogger<CatalogCitationLoader> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await sources.UpsertCatalogAsync(catalog.Sources.Select(SourceRules.FromCatalog).ToList(), cancellationToken);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var rows = new Dictionary<string, CitationRow>(StringComparer.Ordinal);
        foreach (var citation in catalog.Figures.SelectMany(f => f.Citations))
        {
            var id = CitationIds.ForSourceFragment(citation.Source, citation.Fragment);
            if (rows.ContainsKey(id))
            {
                continue;
            }

            var url = catalog.FindSource(citation.Source)?.Url?.OriginalString ?? "";
            var locator = new Locator { Section = citation.Locator };
            rows[id] = new CitationRow
            {
                Id = id,
                Origin = CitationStore.CatalogOrigin,
                SourceId = citation.Source,
                Fragment = citation.Fragment,
                Locator = CitationStore.Serialize(locator),
                Link = PassageLinks.For(url, "text/html", locator, citation.Fragment),
                CreatedAt = now,
            };
        }

        var added = await citations.InsertManyAsync(rows.Values, cancellationToken);
        LogLoaded(logger, catalog.Sources.Length, rows.Count, added, catalog.Version);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded {Sources} sources and {Citations} citations ({Added} new) from catalog {Version}")]
    private static partial void LogLoaded(ILogger logger, int sources, int citations, int added, string version);
}
