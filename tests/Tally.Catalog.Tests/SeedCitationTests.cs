namespace Tally.Catalog.Tests;

/// <summary>
/// Every quoted fragment in the bundled catalog occurs in its stored seed text (after typography
/// normalisation), and every seed document is in the catalog. Runs only where ../shared/seeds exists.
/// </summary>
public sealed class SeedCitationTests
{
    private static string SeedText(string seed) => File.ReadAllText(Path.Combine(RepoPaths.SeedsDirectory!, seed + ".txt"));

    [SeedsFact]
    public void EveryCitationFragment_OccursInItsSeedText()
    {
        var catalog = CatalogLoader.Load(RepoPaths.BundledCatalog);
        var missing = new List<string>();
        var checkedCount = 0;

        foreach (var figure in catalog.Figures)
        {
            foreach (var citation in figure.Citations)
            {
                var seed = catalog.FindSource(citation.Source)?.Seed;
                if (seed is null)
                {
                    missing.Add($"{figure.Id}: source '{citation.Source}' has no seed, so \"{citation.Fragment}\" cannot be verified");
                    continue;
                }

                var path = Path.Combine(RepoPaths.SeedsDirectory!, seed + ".txt");
                if (!File.Exists(path))
                {
                    missing.Add($"{figure.Id}: seed file {seed}.txt does not exist");
                    continue;
                }

                checkedCount++;
                if (!CitationText.Contains(SeedText(seed), citation.Fragment))
                {
                    missing.Add($"{figure.Id} ({figure.Position}): \"{citation.Fragment}\" is not in {seed}.txt");
                }
            }
        }

        Assert.True(missing.Count == 0, $"{missing.Count} fragment(s) not found in their seeds:\n" + string.Join("\n", missing));
        Assert.True(checkedCount >= 50, $"only {checkedCount} fragments checked");
    }

    [SeedsFact]
    public void EverySeedDocument_IsASourceWithFigures()
    {
        var catalog = CatalogLoader.Load(RepoPaths.BundledCatalog);
        var seeds = Directory.EnumerateFiles(RepoPaths.SeedsDirectory!, "*.txt").Select(Path.GetFileNameWithoutExtension).ToList();

        Assert.Equal(5, seeds.Count);
        Assert.All(seeds, seed =>
        {
            var source = Assert.Single(catalog.Sources, s => s.Seed == seed);
            Assert.Contains(catalog.Figures, f => f.Citations.Any(c => c.Source == source.Id));
        });
    }

    [SeedsFact]
    public void EveryNumberInTheIceAnnualReportPage_IsInTheCatalog()
    {
        var catalog = CatalogLoader.Load(RepoPaths.BundledCatalog);
        var source = Assert.Single(catalog.Sources, s => s.Id == "ice-annual-report-fy2024-page");
        var text = CitationText.Normalize(SeedText(source.Seed!));
        var stated = catalog.Figures
            .Where(f => f.Citations.Any(c => c.Source == source.Id))
            .Select(f => CitationText.Normalize(f.AsStated))
            .ToHashSet(StringComparer.OrdinalIgnoreCase);

        // Every line of the page that is just a figure ("113,431", "1.6M", "$886M", "1.8M +", "10%").
        var figureLines = SeedText(source.Seed!).Split('\n').Select(l => CitationText.Normalize(l))
            .Where(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\$?[\d.,]+[MK]?%?( \+)?$"))
            .ToList();

        Assert.True(figureLines.Count >= 17, $"only {figureLines.Count} figure lines found in {source.Seed}");
        Assert.All(figureLines, line => Assert.True(stated.Contains(line), $"'{line}' on the ICE page has no figure in the catalog"));
        Assert.Contains("More than 50,200", stated);
        Assert.Contains("Nearly 287,000", stated);
        Assert.Contains("126,077", text, StringComparison.Ordinal);
    }
}
