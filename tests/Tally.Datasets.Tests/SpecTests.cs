using System.Text;
using Tally.Datasets.Specs;

namespace Tally.Datasets.Tests;

public sealed class SpecTests
{
    [Fact]
    public void BundledSpecs_Load_AndDeclareTheIceBookOutsRules()
    {
        var specs = DatasetSpecParser.LoadDirectory(RepoPaths.DatasetSpecs);

        var ice = Assert.Single(specs, s => s.Name == "ice-detention-stats");
        var bookOuts = ice.Table("book_outs_by_reason")!;
        Assert.Equal("pull_date", bookOuts.Vintage!.DateColumn);
        Assert.Equal("file_date", bookOuts.Vintage.PublishedColumn);
        Assert.Equal("fiscal_year", bookOuts.Period!.FiscalYearColumn);
        var totalRule = Assert.Single(bookOuts.Totals, t => t.Name == "total-row-is-all-releases");
        Assert.Equal(new DateOnly(2024, 1, 21), totalRule.EffectiveUntil);
        Assert.True(totalRule.AppliesTo(new DateOnly(2023, 9, 30)));
        Assert.False(totalRule.AppliesTo(new DateOnly(2024, 1, 22)));
        Assert.Contains(bookOuts.Totals, t => t.Relation == TotalRelation.AtLeast && t.EffectiveFrom == new DateOnly(2024, 1, 22));
    }

    [Fact]
    public void UnknownField_IsReportedWithFileLineAndSuggestion()
    {
        const string yaml = """
            dataset: demo
            tables:
              - name: t
                colums: []
            """;

        var e = Assert.Throws<DatasetSpecException>(() => DatasetSpecParser.Parse(yaml, "demo.yaml"));

        Assert.Contains(e.Errors, m => m.StartsWith("demo.yaml:4:", StringComparison.Ordinal) && m.Contains("did you mean 'columns'", StringComparison.Ordinal));
    }

    [Fact]
    public void ReferenceToUndeclaredColumn_IsAnErrorNamingTheColumns()
    {
        const string yaml = """
            dataset: demo
            tables:
              - name: t
                columns:
                  - {name: pull_date, type: date}
                  - {name: n, type: int}
                vintage: {date: pulled_on}
                key: [n, missing_key]
            """;

        var e = Assert.Throws<DatasetSpecException>(() => DatasetSpecParser.Parse(yaml, "demo.yaml"));

        Assert.Contains(e.Errors, m => m.Contains("'pulled_on'", StringComparison.Ordinal) && m.Contains("Columns: n, pull_date", StringComparison.Ordinal));
        Assert.Contains(e.Errors, m => m.Contains("'missing_key'", StringComparison.Ordinal));
    }

    [Fact]
    public void EnumWithoutValues_AndBadDateFormat_AreErrors()
    {
        const string yaml = """
            dataset: demo
            tables:
              - name: t
                columns:
                  - {name: kind, type: enum}
                  - {name: d, type: date, formats: ["yyyy-MM-dd%"]}
            """;

        var e = Assert.Throws<DatasetSpecException>(() => DatasetSpecParser.Parse(yaml, "demo.yaml"));

        Assert.Contains(e.Errors, m => m.Contains("needs 'values'", StringComparison.Ordinal));
        Assert.Contains(e.Errors, m => m.Contains("not a valid .NET date format", StringComparison.Ordinal));
    }

    [Fact]
    public void Inference_FindsTypesVintageAndPeriod_AndItsYamlParses()
    {
        var header = new[] { "release_reason", "month", "date", "n_book_outs", "adp", "fiscal_year", "file_date", "pull_date" };
        var rows = Enumerable.Range(0, 40).Select(i => new[]
        {
            i % 2 == 0 ? "Paroled" : "Bonded Out", "Oct", "2022-10-01", (i * 3).ToString(System.Globalization.CultureInfo.InvariantCulture), "12.5", "2023", "2023-10-31", "2023-09-30",
        }).ToList();

        var report = SpecInference.Infer("ice-demo", "book-outs.csv", null, 1, ',', header, rows, DatasetFileFormat.Csv);
        var spec = DatasetSpecParser.Parse(report.SpecYaml, "(inferred)");

        var table = Assert.Single(spec.Tables);
        Assert.Equal(ColumnType.Int, table.Column("n_book_outs")!.Type);
        Assert.Equal(ColumnType.Decimal, table.Column("adp")!.Type);
        Assert.Equal(ColumnType.Date, table.Column("date")!.Type);
        Assert.Equal("pull_date", table.Vintage!.DateColumn);
        Assert.Equal("file_date", table.Vintage.PublishedColumn);
        Assert.Equal("fiscal_year", table.Period!.FiscalYearColumn);
        Assert.Contains(report.Columns.Single(c => c.Name == "release_reason").Notes, n => n.Contains("category", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Dialects.All), MemberType = typeof(Dialects))]
    public async Task EngineInference_OfAWorkbookBelowABanner_FindsTheHeaderRow(string dialect)
    {
        await using var db = await TestDb.CreateAsync(dialect);
        var xlsx = Xlsx.Build(("Detention FY23", new List<object?[]>
        {
            new object?[] { "ICE Detention Statistics" },
            new object?[] { "FY2023 data through 9/30/2023" },
            Array.Empty<object?>(),
            new object?[] { "Release Reason", "Count" },
            new object?[] { "Paroled", 888 },
            new object?[] { "Bonded Out", 2559 },
        }));

        var report = await db.Engine.InferSpecAsync(new MemoryStream(xlsx), "FY23_detentionStats.xlsx");

        Assert.Equal(4, report.HeaderRow);
        Assert.Equal("Detention FY23", report.Sheet);
        Assert.Equal(["release_reason", "count"], report.Columns.Select(c => c.Name));
        Assert.Equal(ColumnType.Int, report.Columns[1].Type);
        Assert.Contains("header_row: 4", report.SpecYaml, StringComparison.Ordinal);
        Assert.True(Encoding.UTF8.GetByteCount(report.SpecYaml) > 0);
    }
}
