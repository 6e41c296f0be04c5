namespace Tally.Catalog.Tests;

/// <summary>
/// A small, valid catalog written to a fresh temp directory; tests overwrite single files to make it
/// invalid in one specific way, then assert the reported file:line and message.
/// </summary>
internal sealed class TempCatalog : IDisposable
{
    public const string Sources = """
        sources:
          - id: src-report
            publisher: Example Agency
            title: Example annual report
            url: https://example.gov/report
            kind: official_report
            published: 2024-12-19
          - id: src-check
            publisher: Example Fact Check
            title: Example fact check
            kind: fact_check
            seed: 003_48f4943d57a6bcf8
        """;

    public const string Metrics = """
        metrics:
          - id: removals
            version: 1
            name: Removals
            description: Removals in a fiscal year.
            counted: {what: removal, unit: events}
            population: {agency: ICE, criminality: any, citizenship: noncitizens}
            statistic: {type: flow, additive: true}
            period: {basis: us_federal_fiscal_year}
            unit: count
            values: {kind: published}
          - id: criminal-removals
            version: 1
            name: Criminal removals
            description: Removals of people with criminal histories.
            counted: {what: removal, unit: events}
            population: {agency: ICE, criminality: criminal_history, citizenship: noncitizens}
            statistic: {type: flow, additive: true}
            period: {basis: us_federal_fiscal_year}
            unit: count
            values: {kind: published}
          - id: criminal-share
            version: 1
            name: Criminal share
            description: Criminal removals as a share of removals.
            counted: {what: removal, unit: events}
            population: {agency: ICE, criminality: criminal_history, citizenship: noncitizens}
            statistic: {type: share, additive: false, share_of: all removals}
            period: {basis: us_federal_fiscal_year}
            unit: percent
            values: {kind: derived, op: ratio, of: [criminal-removals, removals]}
        """;

    public const string Relations = """
        relations:
          - from: criminal-removals
            to: removals
            type: subset_of
            reason: Part of all removals.
        """;

    public const string Figures = """
        figures:
          - metric: removals
            period: FY2024
            value: 271484
            as_stated: "271,484"
            qualifier: exact
            status: final
            unit: count
            citations:
              - source: src-check
                original_source: src-report
                locator: Section 1
                fragment: "271,484 ERO removals in FY2024"
        """;

    public const string Glossary = """
        terms:
          - phrases: [deported, deportations]
            dimension: event
            value: removal
            also: [return]
        """;

    private TempCatalog(string directory) => Directory = directory;

    public string Directory { get; }

    public static TempCatalog Valid()
    {
        var catalog = new TempCatalog(System.IO.Directory.CreateTempSubdirectory("tally-catalog-").FullName);
        catalog.Write("sources.yaml", Sources)
            .Write("metrics/removals.yaml", Metrics)
            .Write("relations.yaml", Relations)
            .Write("figures/report.yaml", Figures)
            .Write("glossary.yaml", Glossary);
        return catalog;
    }

    public TempCatalog Write(string relativePath, string content)
    {
        var path = Path.Combine(Directory, relativePath);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content.ReplaceLineEndings("\n") + "\n");
        return this;
    }

    public TempCatalog Delete(string relativePath)
    {
        File.Delete(Path.Combine(Directory, relativePath));
        return this;
    }

    /// <summary>Loads, expecting failure; returns the errors.</summary>
    public IReadOnlyList<CatalogError> Errors()
    {
        var e = Assert.Throws<CatalogValidationException>(() => CatalogLoader.Load(Directory));
        Assert.NotEmpty(e.Errors);
        return e.Errors;
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
