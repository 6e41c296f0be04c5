using Tally.Analysis;
using Tally.Catalog;
using Tally.TestSupport;

namespace Tally.Citations.Tests.Unit;

/// <summary>
/// The citation service verifies with Tally.Analysis' FragmentLocator; the catalog validator uses
/// Tally.Catalog's CitationText. On every bundled fragment the two must agree, or a catalog that loads
/// would not verify (or the reverse).
/// </summary>
public sealed class MatcherAgreementTests
{
    [SeedsFact]
    public void EveryBundledFragment_BothMatchersAgree_AndBothFindIt()
    {
        var catalog = CatalogLoader.Load(Path.Combine(SharedData.RepoRoot, "catalog"));
        var disagreements = new List<string>();
        var checkedCount = 0;
        foreach (var figure in catalog.Figures)
        {
            foreach (var citation in figure.Citations)
            {
                var seed = catalog.FindSource(citation.Source)?.Seed;
                if (seed is null)
                {
                    continue;
                }

                var text = File.ReadAllText(Path.Combine(SharedData.SeedsDirectory!, seed + ".txt"));
                var locator = FragmentLocator.Find(text, citation.Fragment).Found;
                var catalogText = CitationText.Contains(text, citation.Fragment);
                checkedCount++;
                if (!locator || !catalogText)
                {
                    disagreements.Add($"{figure.Id}: FragmentLocator={locator}, CitationText={catalogText}: \"{citation.Fragment}\"");
                }
            }
        }

        Assert.True(checkedCount > 40, $"only {checkedCount} fragments checked");
        Assert.True(disagreements.Count == 0, string.Join("\n", disagreements));
    }
}
