using Tally.Citations.V1;
using Tally.Common.V1;
using Tally.Grpc;
using Tally.TestSupport;

namespace Tally.Citations.Tests.Integration;

public sealed class SourceRegistryTests
{
    [Fact]
    public async Task RegisterSource_IdempotentByUrl()
    {
        await using var host = await TallyTestHost.StartAsync();
        var source = new Source { Kind = SourceKind.News, Publisher = "Example News", Title = "ICE numbers", Url = "https://news.example.org/ice" };

        var first = await host.Citations.RegisterSourceAsync(new RegisterSourceRequest { Source = source });
        var again = await host.Citations.RegisterSourceAsync(new RegisterSourceRequest
        {
            Source = new Source { Kind = SourceKind.News, Publisher = "Other", Title = "Renamed", Url = "https://NEWS.example.org/ice/" },
        });

        Assert.False(first.AlreadyExisted);
        Assert.Equal("example-news-ice-numbers", first.Source.Id);
        Assert.True(again.AlreadyExisted);
        Assert.Equal(first.Source, again.Source);
        Assert.Equal(first.Source, (await host.Citations.GetSourceAsync(new GetSourceRequest { SourceId = first.Source.Id })).Source);
    }

    [Fact]
    public async Task RegisterSource_IdTakenForAnotherUrl_AlreadyExists()
    {
        await using var host = await TallyTestHost.StartAsync();

        var ex = await Assert.ThrowsAsync<RpcException>(() => host.Citations.RegisterSourceAsync(new RegisterSourceRequest
        {
            Source = new Source { Id = "colorlines-2012-deportation-review", Kind = SourceKind.News, Publisher = "P", Title = "T", Url = "https://elsewhere.example.org/" },
        }));

        Assert.Equal(StatusCode.AlreadyExists, ex.StatusCode);
        Assert.Contains("colorlines.com", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegisterSource_MissingKindAndTitle_InvalidArgumentListingKinds()
    {
        await using var host = await TallyTestHost.StartAsync();

        var ex = await Assert.ThrowsAsync<RpcException>(() => host.Citations.RegisterSourceAsync(new RegisterSourceRequest { Source = new Source { Publisher = "P" } }));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains("kind is required", ex.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("OVERSIGHT_REPORT", ex.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("title is required", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetSource_UnknownId_NotFoundWithNearestIds()
    {
        await using var host = await TallyTestHost.StartAsync();

        var ex = await Assert.ThrowsAsync<RpcException>(() => host.Citations.GetSourceAsync(new GetSourceRequest { SourceId = "dhs-oig-21-63" }));

        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        Assert.Contains("dhs-oig-21-36", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListSources_CatalogSources_FilteredAndPagedById()
    {
        await using var host = await TallyTestHost.StartAsync();

        var all = new List<Source>();
        var token = "";
        do
        {
            var page = await host.Citations.ListSourcesAsync(new ListSourcesRequest { PageSize = 4, PageToken = token });
            all.AddRange(page.Sources);
            token = page.NextPageToken;
        }
        while (token.Length > 0);
        var oversight = await host.Citations.ListSourcesAsync(new ListSourcesRequest { Kind = SourceKind.OversightReport });
        var byPublisher = await host.Citations.ListSourcesAsync(new ListSourcesRequest { Publisher = "inspector GENERAL" });

        Assert.Equal(host.Catalog.Sources.Select(s => s.Id).Order(StringComparer.Ordinal), all.Select(s => s.Id));
        Assert.NotEmpty(oversight.Sources);
        Assert.All(oversight.Sources, s => Assert.Equal(SourceKind.OversightReport, s.Kind));
        Assert.NotEmpty(byPublisher.Sources);
        Assert.All(byPublisher.Sources, s => Assert.Contains("Inspector General", s.Publisher, StringComparison.Ordinal));
        var letter = Assert.Single(all, s => s.Id == "ice-letter-gonzales-2024-09-25");
        Assert.Equal(SourceKind.OfficialReport, letter.Kind); // catalog kind official_correspondence has no proto kind
    }
}
