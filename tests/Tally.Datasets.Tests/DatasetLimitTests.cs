namespace Tally.Datasets.Tests;

/// <summary>Rows per upload and per dataset: a load past either is refused as RESOURCE_EXHAUSTED and changes nothing.</summary>
public sealed class DatasetLimitTests
{
    private static readonly List<string[]> Small = Mini.Pull("2023-05-15", "2023-05-15", 2023, 8); // 84 rows

    /// <summary>Two fiscal years in one file: 168 rows read (the second year's keys repeat and are quarantined when it loads).</summary>
    private static readonly List<string[]> Large = [.. Mini.Pull("2023-09-30", "2023-09-30", 2023, 12), .. Mini.Pull("2023-09-30", "2023-09-30", 2024, 12)];

    private static MemoryStream Csv(List<string[]> rows) => Mini.Stream(Mini.Csv(rows));

    [Theory]
    [MemberData(nameof(Dialects.All), MemberType = typeof(Dialects))]
    public async Task UploadOverMaxRows_RefusedNamingTheSetting_PreviousVintageIntact(string dialect)
    {
        Assert.True(Small.Count < Large.Count);
        await using var db = await TestDb.CreateAsync(dialect, new DatasetEngineOptions { MaxRows = Small.Count });
        var first = await db.Engine.LoadAsync(Mini.Upload(), Csv(Small));

        var e = await Assert.ThrowsAsync<DatasetException>(() => db.Engine.LoadAsync(Mini.Upload(), Csv(Large)));

        Assert.Equal(DatasetErrorKind.ResourceExhausted, e.Kind);
        Assert.Contains($"more than {Small.Count} data rows", e.Message, StringComparison.Ordinal);
        Assert.Contains("Tally:Datasets:MaxRows", e.Message, StringComparison.Ordinal);
        var vintage = Assert.Single((await db.Engine.ListDatasetsAsync())[0].Vintages);
        Assert.Equal("2023-05-15", vintage.Label);
        Assert.Equal(first.RowsStored, vintage.RowCount);
    }

    [Theory]
    [MemberData(nameof(Dialects.All), MemberType = typeof(Dialects))]
    public async Task DatasetOverMaxRowsPerDataset_SecondVintageRefused_FirstIntact_OtherDatasetsUnaffected(string dialect)
    {
        var limit = Small.Count + Large.Count - 1;
        await using var db = await TestDb.CreateAsync(dialect, new DatasetEngineOptions { MaxRowsPerDataset = limit });
        var first = await db.Engine.LoadAsync(Mini.Upload(), Csv(Small));

        var e = await Assert.ThrowsAsync<DatasetException>(() => db.Engine.LoadAsync(Mini.Upload(), Csv(Large)));

        Assert.Equal(DatasetErrorKind.ResourceExhausted, e.Kind);
        Assert.Contains($"Dataset 'mini' would hold more than {limit} rows ({first.RowsStored} in its vintages", e.Message, StringComparison.Ordinal);
        Assert.Contains("Tally:Datasets:MaxRowsPerDataset", e.Message, StringComparison.Ordinal);
        var vintage = Assert.Single((await db.Engine.ListDatasetsAsync())[0].Vintages);
        Assert.Equal("2023-05-15", vintage.Label);
        Assert.Equal(first.RowsStored, vintage.RowCount);

        // The quota is per dataset: the same file loads as another dataset.
        var other = await db.Engine.LoadAsync(
            Mini.Upload(spec: Mini.Spec.Replace("dataset: mini", "dataset: mini-two", StringComparison.Ordinal)) with { DatasetName = "mini-two" }, Csv(Large));
        Assert.Equal(Large.Count, other.RowsRead);
    }

    [Fact]
    public async Task DatasetAtItsQuota_NextUploadRefused()
    {
        await using var db = await TestDb.CreateAsync("sqlite", new DatasetEngineOptions { MaxRowsPerDataset = Small.Count });
        await db.Engine.LoadAsync(Mini.Upload(), Csv(Small));

        var e = await Assert.ThrowsAsync<DatasetException>(() => db.Engine.LoadAsync(Mini.Upload(), Mini.Stream(Mini.Csv(Mini.Pull("2023-06-15", "2023-06-15", 2023, 1)))));

        Assert.Equal(DatasetErrorKind.ResourceExhausted, e.Kind);
        Assert.Single((await db.Engine.ListDatasetsAsync())[0].Vintages);
    }
}
