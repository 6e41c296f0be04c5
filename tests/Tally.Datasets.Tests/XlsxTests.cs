using System.Text;

namespace Tally.Datasets.Tests;

public sealed class XlsxTests
{
    private const string Spec = """
        dataset: workbook
        tables:
          - name: book_outs
            sheet: "Detention FY24*"
            columns:
              - {name: release_reason, header: Release Reason, type: string, required: true}
              - {name: convicted, header: Convicted Criminal, type: int, required: true}
              - {name: pull_date, header: Data Pull Date, type: date, required: true}
            vintage: {date: pull_date}
          - name: removals
            sheet: Removals
            header_row: 2
            columns:
              - {name: fiscal_year, header: FY, type: int, required: true}
              - {name: removals, header: Removals, type: int, required: true}
        """;

    private static byte[] Workbook()
    {
        var banner = new List<object?[]>
        {
            new object?[] { "U.S. Immigration and Customs Enforcement" },
            new object?[] { "Detention Statistics" },
            new object?[] { "FY2024 through 09/30/2024" },
            Array.Empty<object?>(),
            new object?[] { "Book-outs by release reason" },
            new object?[] { "Source: ICE" },
            new object?[] { "Release Reason", "Convicted Criminal", "Data Pull Date" },
            new object?[] { "Bonded Out", 2576, "2024-10-07" },
            new object?[] { "Paroled", 912.0, "2024-10-07" },
            new object?[] { "Order of Supervision", "n/a", "2024-10-07" },
        };
        var removals = new List<object?[]>
        {
            new object?[] { "Removals by fiscal year" },
            new object?[] { "FY", "Removals" },
            new object?[] { 2024, 271484 },
        };
        var notes = new List<object?[]> { new object?[] { "Footnotes" }, new object?[] { "1. Book-outs count stays, not people." } };
        return Xlsx.Build(("Detention FY24 Book-outs", banner), ("Notes", notes), ("Removals", removals));
    }

    [Theory]
    [MemberData(nameof(Dialects.All), MemberType = typeof(Dialects))]
    public async Task Workbook_SeveralSheets_BannerRowsAboveDetectedHeader_LoadsEachSheetIntoItsTable(string dialect)
    {
        await using var db = await TestDb.CreateAsync(dialect);

        var summary = await db.Engine.LoadAsync(
            new DatasetUpload { DatasetName = "workbook", FileName = "FY24_detentionStats.xlsx", SpecYaml = Spec, Vintage = "2024-10-07" },
            new MemoryStream(Workbook()));

        Assert.Equal(4, summary.RowsRead);
        Assert.Equal(3, summary.RowsStored);
        Assert.Equal(1, summary.RowsQuarantined);
        Assert.Equal(["book_outs", "removals"], summary.Tables.Order());
        Assert.Contains(summary.Findings, f => f.Code == "BANNER_ROWS_SKIPPED" && f.RowCount == 6);
        Assert.Contains(summary.Findings, f => f.Code == "SHEET_NOT_LOADED" && f.Message.Contains("'Notes'", StringComparison.Ordinal));
        var q = Assert.Single((await db.Engine.ListQuarantineAsync("workbook")).Rows);
        Assert.Equal(("Detention FY24 Book-outs", 10L, "convicted", "NOT_A_WHOLE_NUMBER"), (q.Sheet, q.RowNumber, q.Column, q.Code));
        Assert.Equal(8, await db.ScalarAsync("SELECT MIN(\"_row\") FROM \"dt_workbook__book_outs\""));
        Assert.Equal(912, await db.ScalarAsync("SELECT \"convicted\" FROM \"dt_workbook__book_outs\" WHERE \"release_reason\" = 'Paroled'"));
        var vintages = (await db.Engine.ListDatasetsAsync())[0].Vintages;
        Assert.Contains(vintages, v => v.Table == "book_outs" && v.Label == "2024-10-07");
        Assert.Contains(vintages, v => v.Table == "removals" && v.Label == "2024-10-07"); // no vintage column: the upload's label
    }

    [Theory]
    [MemberData(nameof(Dialects.All), MemberType = typeof(Dialects))]
    public async Task XlsxThatIsNotAZip_IsRefusedWithAClearError(string dialect)
    {
        await using var db = await TestDb.CreateAsync(dialect);

        var csvNamedXlsx = await Assert.ThrowsAsync<DatasetException>(() => db.Engine.LoadAsync(
            new DatasetUpload { DatasetName = "workbook", FileName = "stats.xlsx", SpecYaml = Spec }, new MemoryStream(Encoding.UTF8.GetBytes("a,b\n1,2\n"))));
        var legacy = await Assert.ThrowsAsync<DatasetException>(() => db.Engine.LoadAsync(
            new DatasetUpload { DatasetName = "workbook", FileName = "stats.xlsx", SpecYaml = Spec }, new MemoryStream([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0])));

        Assert.Equal(DatasetErrorKind.InvalidArgument, csvNamedXlsx.Kind);
        Assert.Contains("not an .xlsx workbook", csvNamedXlsx.Message, StringComparison.Ordinal);
        Assert.Contains("legacy .xls", legacy.Message, StringComparison.Ordinal);
        Assert.Empty(await db.Engine.ListDatasetsAsync());
    }

    [Theory]
    [MemberData(nameof(Dialects.All), MemberType = typeof(Dialects))]
    public async Task ZipBomb_IsRefusedBeforeAnyXmlIsParsed(string dialect)
    {
        await using var db = await TestDb.CreateAsync(dialect);
        var bomb = Xlsx.Bomb(8 << 20); // 8 MiB of spaces in a few KiB

        var ratio = await Assert.ThrowsAsync<DatasetException>(() => db.Engine.LoadAsync(
            new DatasetUpload { DatasetName = "workbook", FileName = "bomb.xlsx", SpecYaml = Spec }, new MemoryStream(bomb)));
        await using var strict = await TestDb.CreateAsync(dialect, new DatasetEngineOptions { MaxXlsxEntryBytes = 1 << 20, MaxXlsxCompressionRatio = 100_000 });
        var size = await Assert.ThrowsAsync<DatasetException>(() => strict.Engine.LoadAsync(
            new DatasetUpload { DatasetName = "workbook", FileName = "bomb.xlsx", SpecYaml = Spec }, new MemoryStream(bomb)));

        Assert.True(bomb.Length < 64 << 10);
        Assert.Equal(DatasetErrorKind.ResourceExhausted, ratio.Kind);
        Assert.Contains("zip bomb", ratio.Message, StringComparison.Ordinal);
        Assert.Equal(DatasetErrorKind.ResourceExhausted, size.Kind);
        Assert.Contains("declares 8,388,608 bytes", size.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Dialects.All), MemberType = typeof(Dialects))]
    public async Task UploadOverTheByteLimit_IsRefusedAsResourceExhausted(string dialect)
    {
        await using var db = await TestDb.CreateAsync(dialect, new DatasetEngineOptions { MaxBytes = 1000 });

        var e = await Assert.ThrowsAsync<DatasetException>(() => db.Engine.LoadAsync(Mini.Upload(),
            Mini.Stream(Mini.Csv(Mini.Pull("2023-09-30", "2023-10-31", 2023, 12)))));

        Assert.Equal(DatasetErrorKind.ResourceExhausted, e.Kind);
        Assert.Contains("1,000 bytes", e.Message, StringComparison.Ordinal);
        Assert.Empty(await db.Engine.ListDatasetsAsync());
    }
}
