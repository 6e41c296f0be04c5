namespace Tally.Catalog.Tests;

/// <summary>Each kind of catalog error, in a small bad catalog: reported with file:line and an actionable message.</summary>
public sealed class ValidationTests
{
    // A metric written in block style so that line numbers are easy to read off (line 1 = "metrics:").
    private static string Metric(string id, string statistic = "{type: flow, additive: true}", string period = "{basis: us_federal_fiscal_year}",
        string values = "{kind: published}", string unit = "count", string extra = "") => $"""
          - id: {id}
            version: 1
            name: Metric {id}
            description: A test metric.
            counted: {"{what: removal, unit: events}"}
            population: {"{agency: ICE, criminality: any, citizenship: noncitizens}"}
            statistic: {statistic}
            period: {period}
            unit: {unit}
            values: {values}{extra}
        """;

    private static CatalogError Find(IReadOnlyList<CatalogError> errors, string file, int line, string contains)
    {
        var match = errors.FirstOrDefault(e => e.File == file && e.Line == line && e.Message.Contains(contains, StringComparison.Ordinal));
        Assert.True(match is not null,
            $"expected an error at {file}:{line} containing \"{contains}\"; got:\n{string.Join("\n", errors)}");
        return match!;
    }

    [Fact]
    public void ValidCatalog_Loads()
    {
        using var temp = TempCatalog.Valid();

        var catalog = CatalogLoader.Load(temp.Directory);

        Assert.Equal(3, catalog.Metrics.Length);
        Assert.Single(catalog.Figures);
        Assert.Equal("removals@FY2024/src-check", catalog.Figures[0].Id);
        Assert.Equal("metrics/removals.yaml", catalog.GetMetric("removals").Position!.File);
    }

    [Fact]
    public void UnknownField_ReportsFileLineColumnAndSuggestion()
    {
        using var temp = TempCatalog.Valid().Write("metrics/removals.yaml", """
            metrics:
              - id: removals
                version: 1
                name: Removals
                description: Removals in a fiscal year.
                counted: {what: removal, unit: events}
                population: {agency: ICE, criminality: any, citizenship: noncitizens}
                statistic:
                  type: flow
                  adittive: true
                period: {basis: us_federal_fiscal_year}
                unit: count
                values: {kind: published}
            """);

        var error = Find(temp.Errors(), "metrics/removals.yaml", 10, "unknown field 'adittive'");

        Assert.Equal(7, error.Column);
        Assert.Contains("Did you mean 'additive'?", error.Message, StringComparison.Ordinal);
        Assert.Contains("Allowed fields: type, additive, share_of", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DuplicateMetricId_ReportsSecondDefinitionAndFirstLocation()
    {
        using var temp = TempCatalog.Valid().Write("metrics/zz-more.yaml", "metrics:\n" + Metric("removals"));

        var error = Find(temp.Errors(), "metrics/zz-more.yaml", 2, "duplicate metric id 'removals'");

        Assert.Contains("already defined at metrics/removals.yaml:2:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RelationToUnknownMetric_IsReportedWithSuggestion()
    {
        using var temp = TempCatalog.Valid().Write("relations.yaml", """
            relations:
              - from: criminal-removals
                to: removal
                type: subset_of
                reason: Part of all removals.
            """);

        var error = Find(temp.Errors(), "relations.yaml", 3, "unknown metric 'removal'");

        Assert.Contains("Did you mean 'removals'?", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FigureCitingUnknownSource_IsReported()
    {
        using var temp = TempCatalog.Valid().Write("figures/report.yaml", TempCatalog.Figures.Replace("original_source: src-report", "original_source: src-annual", StringComparison.Ordinal));

        Find(temp.Errors(), "figures/report.yaml", 11, "unknown source 'src-annual'");
    }

    [Fact]
    public void FigureForUnknownMetric_IsReported()
    {
        using var temp = TempCatalog.Valid().Write("figures/report.yaml", TempCatalog.Figures.Replace("metric: removals", "metric: ice-removals", StringComparison.Ordinal));

        Find(temp.Errors(), "figures/report.yaml", 2, "unknown metric 'ice-removals'");
    }

    [Fact]
    public void DerivedOperandUnknown_IsReported()
    {
        using var temp = TempCatalog.Valid().Write("metrics/removals.yaml",
            TempCatalog.Metrics.Replace("of: [criminal-removals, removals]", "of: [criminal-removals, all-removals]", StringComparison.Ordinal));

        Find(temp.Errors(), "metrics/removals.yaml", 31, "derived operand unknown metric 'all-removals'");
    }

    [Fact]
    public void CycleInDerivedFormulas_IsReportedWithThePath()
    {
        using var temp = TempCatalog.Valid().Write("metrics/cycle.yaml", "metrics:\n"
            + Metric("loop-a", values: "{kind: derived, op: sum, of: [loop-b, removals]}") + "\n"
            + Metric("loop-b", values: "{kind: derived, op: sum, of: [loop-a, removals]}"));

        var errors = temp.Errors();

        var error = Find(errors, "metrics/cycle.yaml", 11, "cycle in derived formulas: loop-a -> loop-b -> loop-a");
        Assert.Contains("make one of them published or computed", error.Message, StringComparison.Ordinal);
        Assert.Single(errors, e => e.Message.Contains("cycle", StringComparison.Ordinal));
    }

    [Fact]
    public void InvalidEnumValue_ListsTheAllowedValues()
    {
        using var temp = TempCatalog.Valid().Write("metrics/extra.yaml", "metrics:\n" + Metric("stock-like", statistic: "{type: stok, additive: false}"));

        var error = Find(temp.Errors(), "metrics/extra.yaml", 8, "invalid value 'stok' for field 'type'");

        Assert.Contains("Did you mean 'stock'?", error.Message, StringComparison.Ordinal);
        Assert.Contains("Allowed values: flow, stock, cumulative, share, average", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingRequiredField_IsReportedAtTheEntry()
    {
        using var temp = TempCatalog.Valid().Write("sources.yaml", """
            sources:
              - id: src-report
                title: Example annual report
                kind: official_report
              - id: src-check
                publisher: Example Fact Check
                title: Example fact check
                kind: fact_check
            """);

        Find(temp.Errors(), "sources.yaml", 2, "source 'src-report' is missing required field 'publisher'");
    }

    [Fact]
    public void FigurePeriodBasisContradictingItsMetric_IsReported()
    {
        using var temp = TempCatalog.Valid().Write("figures/report.yaml", TempCatalog.Figures.Replace("period: FY2024", "period: 2024-07-21", StringComparison.Ordinal));

        var error = Find(temp.Errors(), "figures/report.yaml", 3, "period '2024-07-21' is as_of_date, which contradicts metric 'removals'");

        Assert.Contains("us_federal_fiscal_year", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MalformedPeriod_ListsTheAcceptedForms()
    {
        using var temp = TempCatalog.Valid().Write("figures/report.yaml", TempCatalog.Figures.Replace("period: FY2024", "period: fiscal 2024", StringComparison.Ordinal));

        var error = Find(temp.Errors(), "figures/report.yaml", 3, "malformed period");

        Assert.Contains("'fiscal 2024' is not a period", error.Message, StringComparison.Ordinal);
        Assert.Contains("FY2024 through 2024-02", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void YearToDateFigureWithFinalStatus_IsReported()
    {
        using var temp = TempCatalog.Valid().Write("figures/report.yaml", TempCatalog.Figures.Replace("period: FY2024", "period: FY2024 through 2024-10", StringComparison.Ordinal));

        Find(temp.Errors(), "figures/report.yaml", 3, "2024-10 is outside FY2024");
    }

    [Fact]
    public void ValueNotMatchingAsStated_IsReported()
    {
        using var temp = TempCatalog.Valid().Write("figures/report.yaml", TempCatalog.Figures.Replace("value: 271484", "value: 271448", StringComparison.Ordinal));

        Find(temp.Errors(), "figures/report.yaml", 4, "value 271448 does not match as_stated '271,484'");
    }

    [Fact]
    public void AsStatedMissingFromFragments_IsReported()
    {
        using var temp = TempCatalog.Valid().Write("figures/report.yaml", TempCatalog.Figures.Replace("fragment: \"271,484 ERO removals in FY2024\"", "fragment: \"ERO removals in FY2024\"", StringComparison.Ordinal));

        Find(temp.Errors(), "figures/report.yaml", 5, "as_stated '271,484' does not occur in any of its citation fragments");
    }

    [Fact]
    public void FigureForAGap_IsReported()
    {
        using var temp = TempCatalog.Valid().Write("metrics/removals.yaml", TempCatalog.Metrics.Replace(
            "    values: {kind: published}\n  - id: criminal-removals",
            "    gap: {question: How many?, why_unpublished: Nobody counts them., what_would_settle_it: A count.}\n  - id: criminal-removals",
            StringComparison.Ordinal));

        var errors = temp.Errors();

        Find(errors, "figures/report.yaml", 2, "metric 'removals' is a gap");
        Find(errors, "metrics/removals.yaml", 31, "operand 'removals' is a gap");
    }

    [Fact]
    public void StockDeclaredAdditive_IsReported()
    {
        using var temp = TempCatalog.Valid().Write("metrics/extra.yaml", "metrics:\n" + Metric("docket", statistic: "{type: stock, additive: true}", period: "{basis: as_of_date}"));

        Find(temp.Errors(), "metrics/extra.yaml", 8, "is a stock and cannot be additive");
    }

    [Fact]
    public void YamlSyntaxError_IsReportedWithItsPosition()
    {
        using var temp = TempCatalog.Valid().Write("relations.yaml", "relations:\n  - from: a\n    to: [b\n");

        var error = Assert.Single(temp.Errors());

        Assert.Equal("relations.yaml", error.File);
        Assert.StartsWith("YAML syntax error", error.Message, StringComparison.Ordinal);
        Assert.True(error.Line >= 3, error.ToString());
    }

    [Fact]
    public void MissingRequiredFile_IsReported()
    {
        using var temp = TempCatalog.Valid().Delete("glossary.yaml");

        Find(temp.Errors(), "glossary.yaml", 1, "required file is missing");
    }

    [Fact]
    public void GlossaryValueOutsideItsDimension_IsReported()
    {
        using var temp = TempCatalog.Valid().Write("glossary.yaml", """
            terms:
              - phrases: [criminal record]
                dimension: criminality
                value: criminal
            """);

        var error = Find(temp.Errors(), "glossary.yaml", 4, "invalid value 'criminal' for glossary dimension criminality");

        Assert.Contains("convicted", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ErrorsInSeveralFiles_AreAllReportedTogetherAndNothingLoads()
    {
        using var temp = TempCatalog.Valid()
            .Write("relations.yaml", TempCatalog.Relations.Replace("to: removals", "to: nowhere", StringComparison.Ordinal))
            .Write("figures/report.yaml", TempCatalog.Figures.Replace("qualifier: exact", "qualifier: roughly", StringComparison.Ordinal))
            .Write("glossary.yaml", TempCatalog.Glossary.Replace("dimension: event", "dimension: events", StringComparison.Ordinal));

        var ok = CatalogLoader.TryLoad(temp.Directory, out var catalog, out var errors);
        var e = Assert.Throws<CatalogValidationException>(() => CatalogLoader.Load(temp.Directory));

        Assert.False(ok);
        Assert.Null(catalog);
        Find(errors, "relations.yaml", 3, "unknown metric 'nowhere'");
        Find(errors, "figures/report.yaml", 6, "invalid value 'roughly' for field 'qualifier'");
        Find(errors, "glossary.yaml", 3, "invalid value 'events' for field 'dimension'");
        Assert.Equal(errors.Count, e.Errors.Count);
        Assert.Contains("relations.yaml:3:", e.Message, StringComparison.Ordinal);
        Assert.Contains("nothing was loaded", e.Message, StringComparison.Ordinal);
    }
    [Fact]
    public void RepeatedFieldInOneEntry_IsReported()
    {
        using var temp = TempCatalog.Valid().Write("relations.yaml", """
            relations:
              - from: criminal-removals
                to: removals
                type: subset_of
                type: component_of
                reason: Part of all removals.
            """);

        var error = Assert.Single(temp.Errors());

        Assert.Equal("relations.yaml:5:5: field 'type' appears twice in the same entry; keep one.", error.ToString());
    }
    private const string ComputedValues =
        "\n    values:\n      kind: computed\n      dataset: ice-detention-stats/book-outs-by-reason\n      measure: sum(n_book_outs)\n" +
        "      filters: {criminality: Convicted Criminal, release_reason: [Bonded Out, Paroled]}\n      date_column: date\n" +
        "      calendar: CALENDAR\n      vintage: latest_pull";

    [Fact]
    public void ComputedMetric_LoadsWithItsQuery()
    {
        using var temp = TempCatalog.Valid().Write("metrics/computed.yaml",
            "metrics:\n" + Metric("releases-convicted", values: "").Replace("    values: ", ComputedValues.Replace("CALENDAR", "us_federal_fiscal_year", StringComparison.Ordinal).TrimStart('\n'), StringComparison.Ordinal));

        var computed = Assert.IsType<Model.ComputedValues>(CatalogLoader.Load(temp.Directory).GetMetric("releases-convicted").Values);

        Assert.Equal("sum(n_book_outs)", computed.Measure);
        Assert.Equal("Bonded Out|Paroled", string.Join("|", computed.Filters["release_reason"]));
        Assert.Equal("Convicted Criminal", Assert.Single(computed.Filters["criminality"]));
        Assert.Equal("latest_pull", computed.Vintage);
    }

    [Fact]
    public void ComputedCalendarContradictingThePeriodBasis_IsReported()
    {
        using var temp = TempCatalog.Valid().Write("metrics/computed.yaml",
            "metrics:\n" + Metric("releases-convicted", values: "").Replace("    values: ", ComputedValues.Replace("CALENDAR", "calendar_year", StringComparison.Ordinal).TrimStart('\n'), StringComparison.Ordinal));

        Find(temp.Errors(), "metrics/computed.yaml", 17, "computed calendar calendar_year contradicts the metric's period basis us_federal_fiscal_year");
    }
}
