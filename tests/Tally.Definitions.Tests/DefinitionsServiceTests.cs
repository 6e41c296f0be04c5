using Microsoft.Data.Sqlite;
using Tally.Definitions.V1;
using Tally.Grpc;

namespace Tally.Definitions.Tests;

/// <summary>The service over real gRPC on loopback, with a SQLite file and an in-memory bus.</summary>
public sealed class DefinitionsServiceTests : IAsyncLifetime
{
    private DefinitionsHost _host = null!;

    public async Task InitializeAsync() => _host = await DefinitionsHost.StartAsync();

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_host.DataDirectory, recursive: true);
    }

    private MetricDefinitionService.MetricDefinitionServiceClient Client => _host.Client;

    [Fact]
    public async Task Readiness_ReportsTheLoadedRegistry()
    {
        using var http = new HttpClient();
        var body = await http.GetStringAsync(new Uri(_host.HttpBase, "/readyz"));

        Assert.Contains("\"definitions-registry\":{\"status\":\"Healthy\"", body, StringComparison.Ordinal);
        Assert.Contains($"{TestRegistry.Catalog.Metrics.Length} metrics", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetMetric_ReturnsTheImportedCatalogDefinitionAtVersion1()
    {
        var response = await Client.GetMetricAsync(new GetMetricRequest { MetricId = "ice-removals" });

        Assert.Equal(("ice-removals", 1, "ICE removals", "catalog-loader"), (response.Metric.Id, response.Metric.Version, response.Metric.Name, response.Metric.UpdatedBy));
        Assert.Equal("removal", response.Metric.Counted.Thing);
        Assert.NotNull(response.Metric.UpdatedAt);
        Assert.True(response.CatalogVersion > TestRegistry.Catalog.Metrics.Length);
    }

    [Fact]
    public async Task GetMetric_UnknownId_IsNotFoundListingTheNearestIds()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => Client.GetMetricAsync(new GetMetricRequest { MetricId = "ice-removal" }));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Contains("'ice-removal'", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("Nearest ids: ice-removals, ", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetMetric_MissingVersion_IsNotFoundNamingTheVersionsThatExist()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => Client.GetMetricAsync(new GetMetricRequest { MetricId = "ice-removals", Version = 9 }));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Contains("no version 9", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upsert_CreatesVersion2_KeepsVersion1_AndPublishesMetricDefinitionChanged()
    {
        var current = (await Client.GetMetricAsync(new GetMetricRequest { MetricId = "dhs-returns" })).Metric;
        var changed = current.Clone();
        changed.Aliases.Add("people DHS returned");

        var response = await Client.UpsertMetricAsync(new UpsertMetricRequest
        {
            Metric = changed, ExpectedVersion = 1, ChangedBy = "desk-editor", ChangeNote = "add an alias",
        });

        Assert.True(response.Changed);
        Assert.Equal((2, 1, "desk-editor", "add an alias"), (response.Metric.Version, response.PreviousVersion, response.Metric.UpdatedBy, response.Metric.ChangeNote));
        var message = await _host.Events.NextAsync();
        Assert.Equal(("dhs-returns", 2, 1, "desk-editor", response.CatalogVersion),
            (message.MetricId, message.Version, message.PreviousVersion, message.ChangedBy, message.CatalogVersion));

        var latest = await Client.GetMetricAsync(new GetMetricRequest { MetricId = "dhs-returns" });
        var first = await Client.GetMetricAsync(new GetMetricRequest { MetricId = "dhs-returns", Version = 1 });
        Assert.Equal(2, latest.Metric.Version);
        Assert.Contains("people DHS returned", latest.Metric.Aliases);
        Assert.DoesNotContain("people DHS returned", first.Metric.Aliases);
        Assert.Equal(response.CatalogVersion, latest.CatalogVersion);
        Assert.True(response.CatalogVersion > current.Version);
    }

    [Fact]
    public async Task Upsert_NewAliasIsResolvedRightAway()
    {
        var current = (await Client.GetMetricAsync(new GetMetricRequest { MetricId = "ice-opr-prea-audits" })).Metric;
        var changed = current.Clone();
        changed.Aliases.Add("sexual abuse audits of detention centers");
        await Client.UpsertMetricAsync(new UpsertMetricRequest { Metric = changed, ExpectedVersion = current.Version, ChangedBy = "t" });

        var resolved = await Client.ResolveQuestionAsync(new ResolveQuestionRequest { Question = "How many sexual abuse audits of detention centers did ICE run in FY2024?" });

        Assert.Equal("ice-opr-prea-audits", resolved.Candidates[0].MetricId);
        Assert.Equal(2, resolved.Candidates[0].Version);
    }

    [Fact]
    public async Task Upsert_Unchanged_WritesNoVersionAndPublishesNothing()
    {
        var current = (await Client.GetMetricAsync(new GetMetricRequest { MetricId = "ice-removals" })).Metric;

        var response = await Client.UpsertMetricAsync(new UpsertMetricRequest { Metric = current, ExpectedVersion = 1, ChangedBy = "t" });

        Assert.False(response.Changed);
        Assert.Equal(1, response.Metric.Version);
        Assert.False(_host.Events.TryTake(out _));
    }

    [Fact]
    public async Task Upsert_StaleExpectedVersion_IsAbortedNamingBothVersions()
    {
        var current = (await Client.GetMetricAsync(new GetMetricRequest { MetricId = "dhs-removals" })).Metric;
        var first = current.Clone();
        first.Description += " First edit.";
        await Client.UpsertMetricAsync(new UpsertMetricRequest { Metric = first, ExpectedVersion = 1, ChangedBy = "a" });
        var second = current.Clone();
        second.Description += " Second edit, based on version 1.";

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            Client.UpsertMetricAsync(new UpsertMetricRequest { Metric = second, ExpectedVersion = 1, ChangedBy = "b" }));

        Assert.Equal(StatusCode.Aborted, error.StatusCode);
        Assert.Contains("at version 2", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("based on version 1", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(2, (await Client.GetMetricAsync(new GetMetricRequest { MetricId = "dhs-removals" })).Metric.Version);
    }

    [Fact]
    public async Task Upsert_CreateOverAnExistingId_IsAlreadyExists()
    {
        var current = (await Client.GetMetricAsync(new GetMetricRequest { MetricId = "ice-removals" })).Metric;

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            Client.UpsertMetricAsync(new UpsertMetricRequest { Metric = current, ExpectedVersion = 0 }));

        Assert.Equal(StatusCode.AlreadyExists, error.StatusCode);
        Assert.Contains("expected_version 1", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upsert_NewMetric_StartsAtVersion1AndIsListed()
    {
        var metric = (await Client.GetMetricAsync(new GetMetricRequest { MetricId = "ice-ero-administrative-arrests" })).Metric.Clone();
        metric.Id = "ice-ero-collateral-arrests";
        metric.Name = "ICE ERO collateral arrests";
        metric.Aliases.Clear();

        var response = await Client.UpsertMetricAsync(new UpsertMetricRequest { Metric = metric, ExpectedVersion = 0, ChangedBy = "t" });
        var listed = await Client.ListMetricsAsync(new ListMetricsRequest { Text = "collateral" });

        Assert.Equal((1, 0, true), (response.Metric.Version, response.PreviousVersion, response.Changed));
        Assert.Equal("ice-ero-collateral-arrests", Assert.Single(listed.Metrics).Id);
        Assert.Equal(0, (await _host.Events.NextAsync()).PreviousVersion);
    }

    [Fact]
    public async Task Upsert_InvalidDefinition_IsInvalidArgumentNamingTheField()
    {
        var metric = (await Client.GetMetricAsync(new GetMetricRequest { MetricId = "ice-removals" })).Metric.Clone();
        metric.Counted.Thing = "deportations";

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            Client.UpsertMetricAsync(new UpsertMetricRequest { Metric = metric, ExpectedVersion = 1 }));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("metric.counted.thing", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(1, (await Client.GetMetricAsync(new GetMetricRequest { MetricId = "ice-removals" })).Metric.Version);
    }

    [Fact]
    public async Task Upsert_DerivedCycle_IsInvalidArgument()
    {
        var metric = (await Client.GetMetricAsync(new GetMetricRequest { MetricId = "ice-national-docket-convicted" })).Metric.Clone();
        metric.Derived = new DerivedSource { Operation = DerivedSource.Types.Operation.Difference };
        metric.Derived.Operands.Add(new Operand { MetricId = "ice-national-docket-criminal-history" });
        metric.Derived.Operands.Add(new Operand { MetricId = "ice-national-docket-pending-charges" });

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            Client.UpsertMetricAsync(new UpsertMetricRequest { Metric = metric, ExpectedVersion = 1 }));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("metric.derived.operands: the formula forms a cycle", error.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task ResolveQuestion_Empty_IsInvalidArgument(string question)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => Client.ResolveQuestionAsync(new ResolveQuestionRequest { Question = question }));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("question is empty", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResolveQuestion_TooLong_IsInvalidArgumentNamingTheLimit()
    {
        var question = "How many people did ICE remove " + new string('x', 1000) + "?";

        var error = await Assert.ThrowsAsync<RpcException>(() => Client.ResolveQuestionAsync(new ResolveQuestionRequest { Question = question }));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("the limit is 1,000", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResolveQuestion_SeedQuestion_OverGrpc()
    {
        var response = await Client.ResolveQuestionAsync(new ResolveQuestionRequest
        {
            Question = "How many wrongful deportation cases were reported to the Department of Homeland Security in 2024?",
        });

        Assert.Equal("wrongful-deportations-reported-to-dhs", response.Candidates[0].MetricId);
        Assert.True(response.Candidates[0].IsGap);
        Assert.Equal(5, response.Candidates.Count);
        Assert.Equal("DHS", response.Parsed.Agency);
        Assert.True(response.CatalogVersion > 0);
    }

    [Fact]
    public async Task ListMetrics_PagesThroughEveryMetricInIdOrder()
    {
        var ids = new List<string>();
        var token = "";
        int total;
        do
        {
            var page = await Client.ListMetricsAsync(new ListMetricsRequest { PageSize = 10, PageToken = token });
            Assert.True(page.Metrics.Count <= 10);
            ids.AddRange(page.Metrics.Select(m => m.Id));
            token = page.NextPageToken;
            total = page.TotalSize;
        }
        while (token.Length > 0);

        Assert.Equal(TestRegistry.Catalog.Metrics.Select(m => m.Id).Order(StringComparer.Ordinal), ids);
        Assert.Equal(ids.Count, total);
    }

    [Fact]
    public async Task ListMetrics_Filters()
    {
        var gaps = await Client.ListMetricsAsync(new ListMetricsRequest { ValueSourceKind = ValueSourceKind.Gap });
        var stocks = await Client.ListMetricsAsync(new ListMetricsRequest { StatisticType = StatisticType.Stock, Agency = "ice" });

        Assert.Equal(TestRegistry.Catalog.Metrics.Where(m => m.IsGap).Select(m => m.Id), gaps.Metrics.Select(m => m.Id));
        Assert.Contains(gaps.Metrics, m => m.Id == "wrongful-deportations-reported-to-dhs");
        Assert.All(stocks.Metrics, m => Assert.Equal((StatisticType.Stock, "ICE"), (m.StatisticType, m.Scope.Agency)));
        Assert.Contains(stocks.Metrics, m => m.Id == "ice-national-docket-convicted");
    }

    [Fact]
    public async Task ListMetrics_ForeignPageToken_IsInvalidArgument()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => Client.ListMetricsAsync(new ListMetricsRequest { PageToken = "not-a-token" }));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    [Fact]
    public async Task ExplainDifference_DocketStockVersusReleases()
    {
        var response = await Client.ExplainDifferenceAsync(new ExplainDifferenceRequest
        {
            AMetricId = "ice-releases-convicted", BMetricId = "ice-national-docket-convicted",
        });

        Assert.False(response.Interchangeable);
        Assert.Contains(response.Caveats, c => c.Code == Common.V1.Caveat.Types.Code.StockNotFlow);
        Assert.Contains(response.Differences, d => d.Property == "counted.thing");
        Assert.Single(response.Relations);
        Assert.Contains("not interchangeable", response.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExplainDifference_UnknownMetric_IsNotFoundNamingTheField()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => Client.ExplainDifferenceAsync(new ExplainDifferenceRequest
        {
            AMetricId = "ice-removals", BMetricId = "dhs-removal",
        }));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.StartsWith("b_metric_id: no metric 'dhs-removal'", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("dhs-removals", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListRelations_ForOneMetric_ListsBothDirectionsWithDifferences()
    {
        var response = await Client.ListRelationsAsync(new ListRelationsRequest { MetricId = "wrongful-deportations-reported-to-dhs" });

        Assert.Equal(TestRegistry.Catalog.RelationsOf("wrongful-deportations-reported-to-dhs").Length, response.Relations.Count);
        Assert.Contains(response.Relations, r => r.FromMetricId == "trac-nta-dismissals");
        Assert.All(response.Relations, r => Assert.Equal("wrongful-deportations-reported-to-dhs", r.ToMetricId));
        Assert.All(response.Relations, r => Assert.Contains(Common.V1.Caveat.Types.Code.DifferentEvent, r.Differences));
    }

    [Fact]
    public async Task GetGlossary_ByPrefixAndKind()
    {
        var response = await Client.GetGlossaryAsync(new GetGlossaryRequest { TermPrefix = "deport", Kind = GlossaryEntry.Types.Kind.EventWord });

        Assert.Contains(response.Entries, e => e.Term == "deported" && e.Concept == "removal" && e.AlternativeConcepts.Contains("return"));
        Assert.All(response.Entries, e => Assert.StartsWith("deport", e.Term, StringComparison.Ordinal));
    }
}
