using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Tally.AllInOne;
using Tally.Grpc;
using Tally.Query.Tests.Support;
using Tally.Query.V1;
using Tally.Testing;

namespace Tally.Query.Tests.Integration;

/// <summary>
/// The embedded default (all four services in one process, in-memory SQLite, in-memory bus) on free loopback
/// ports, called through the generated QueryService client over a real h2c socket. Shared by the end-to-end tests.
/// </summary>
public sealed class AllInOneFixture : IAsyncLifetime
{
    private WebApplication? _app;
    private GrpcChannel? _channel;

    public QueryService.QueryServiceClient Query { get; private set; } = null!;

    /// <summary>The h2c channel to the host (for clients of the other services).</summary>
    public GrpcChannel Channel => _channel!;

    public int GrpcPort { get; private set; }

    /// <summary>The running host's services (to publish bus events in eviction tests).</summary>
    public IServiceProvider Services => _app!.Services;

    public int HttpPort { get; private set; }

    public async Task InitializeAsync()
    {
        (GrpcPort, HttpPort) = FreePorts.Two();
        var settings = new Dictionary<string, string?>
        {
            ["Tally:Host:BindAddress"] = "127.0.0.1",
            // These tests exercise the services, not authentication (tests/Tally.Security.Tests does): callers on loopback edit.
            ["Tally:Auth:AnonymousLoopbackRole"] = "editor",
            ["Tally:Host:GrpcPort"] = GrpcPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Tally:Host:HttpPort"] = HttpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Tally:Storage:Provider"] = "sqlite",
            ["Tally:Storage:InMemory"] = "true",
            ["Tally:Bus:Transport"] = "inmemory",
            ["Tally:Catalog:Directory"] = RepoPaths.BundledCatalog,
            ["Logging:LogLevel:Default"] = "Warning",
        };
        _app = AllInOneHost.Build([], builder => builder.Configuration.AddInMemoryCollection(settings));
        await _app.StartAsync();
        _channel = GrpcChannel.ForAddress($"http://127.0.0.1:{GrpcPort}");
        Query = new QueryService.QueryServiceClient(_channel.CreateCallInvoker());
        SeedsIngested = await IngestSeedsAsync(_channel.CreateCallInvoker());
    }

    /// <summary>True when ../shared/seeds was there and its documents were ingested (so citations can verify).</summary>
    public bool SeedsIngested { get; private set; }

    /// <summary>
    /// Stores the seed documents as snapshots of their catalog sources, as a newsroom would, so citations verify
    /// against stored text; then waits (bounded) until the citation service has checked them.
    /// </summary>
    private async Task<bool> IngestSeedsAsync(CallInvoker invoker)
    {
        var seeds = Path.GetFullPath(Path.Combine(RepoPaths.RepoRoot, "..", "shared", "seeds"));
        if (!Directory.Exists(seeds))
        {
            return false;
        }

        var ingestion = new Tally.Ingestion.V1.IngestionService.IngestionServiceClient(invoker);
        foreach (var source in Tally.Catalog.CatalogLoader.Load(RepoPaths.BundledCatalog).Sources.Where(s => s.Seed is not null))
        {
            var file = Path.Combine(seeds, source.Seed + ".txt");
            if (File.Exists(file))
            {
                await ingestion.IngestDocumentAsync(new Tally.Ingestion.V1.IngestDocumentRequest
                {
                    Content = Google.Protobuf.ByteString.CopyFrom(await File.ReadAllBytesAsync(file)),
                    MediaType = "text/plain",
                    FileName = Path.GetFileName(file),
                    SourceId = source.Id,
                });
            }
        }

        var until = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < until)
        {
            var answer = await Query.AskAsync(new AskRequest { Question = "How many people did ICE remove in fiscal year 2024?", SkipCache = true });
            if (answer.Citations.Count > 0 && answer.Citations.All(c => c.Verified))
            {
                return true;
            }

            await Task.Delay(200);
        }

        return true;
    }

    public async Task DisposeAsync()
    {
        _channel?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

}

[CollectionDefinition(Name)]
public sealed class AllInOneCollection : ICollectionFixture<AllInOneFixture>
{
    public const string Name = "all-in-one";
}
