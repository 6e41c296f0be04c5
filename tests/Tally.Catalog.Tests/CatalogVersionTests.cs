namespace Tally.Catalog.Tests;

/// <summary>The catalog version is a hash of content: stable for the same content, different for any change.</summary>
public sealed class CatalogVersionTests
{
    [Fact]
    public void SameContent_GivesTheSameVersion()
    {
        using var a = TempCatalog.Valid();
        using var b = TempCatalog.Valid();

        Assert.Equal(CatalogLoader.Load(a.Directory).Version, CatalogLoader.Load(b.Directory).Version);
    }

    [Fact]
    public void CommentsKeyOrderAndFileLayout_DoNotChangeTheVersion()
    {
        using var a = TempCatalog.Valid();
        using var b = TempCatalog.Valid()
            .Write("relations.yaml", """
                # A comment, and the keys in another order.
                relations:
                  - reason: Part of all removals.
                    type: subset_of
                    to: removals
                    from: criminal-removals
                """)
            .Delete("figures/report.yaml")
            .Write("figures/renamed.yaml", TempCatalog.Figures);

        Assert.Equal(CatalogLoader.Load(a.Directory).Version, CatalogLoader.Load(b.Directory).Version);
    }

    [Fact]
    public void ChangingAFigure_ChangesTheVersion()
    {
        using var a = TempCatalog.Valid();
        using var b = TempCatalog.Valid().Write("figures/report.yaml", TempCatalog.Figures
            .Replace("value: 271484", "value: 271485", StringComparison.Ordinal)
            .Replace("as_stated: \"271,484\"", "as_stated: \"271,485\"", StringComparison.Ordinal)
            .Replace("fragment: \"271,484 ERO", "fragment: \"271,485 ERO", StringComparison.Ordinal));

        Assert.NotEqual(CatalogLoader.Load(a.Directory).Version, CatalogLoader.Load(b.Directory).Version);
    }

    [Fact]
    public void ChangingADefinition_ChangesTheVersion()
    {
        using var a = TempCatalog.Valid();
        using var b = TempCatalog.Valid().Write("metrics/removals.yaml", TempCatalog.Metrics
            .Replace("description: Removals in a fiscal year.", "description: Removals in a federal fiscal year.", StringComparison.Ordinal));

        Assert.NotEqual(CatalogLoader.Load(a.Directory).Version, CatalogLoader.Load(b.Directory).Version);
    }

    [Fact]
    public void BundledCatalog_HasAStableVersionAcrossLoads()
    {
        Assert.Equal(CatalogLoader.Load(RepoPaths.BundledCatalog).Version, CatalogLoader.Load(RepoPaths.BundledCatalog).Version);
    }
}
