using System.Collections.Concurrent;
using System.Globalization;
using MassTransit;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Tally.Citations;
using Tally.Citations.V1;
using Tally.Common.V1;
using Tally.Contracts.Events;
using Tally.Grpc;
using Tally.Hosting;
using Tally.Ingestion;
using Tally.Ingestion.V1;
using Tally.Messaging;
using Tally.Testing;

namespace Tally.TestSupport;

/// <summary>
/// Ingestion and citations in one real WebApplication on two free loopback ports (as the all-in-one hosts them),
/// in-memory SQLite, the in-memory bus, the bundled catalog; the services call each other over real gRPC. No
/// metric-definition service is hosted: its address is this host, which answers UNIMPLEMENTED.
/// </summary>
internal sealed class TallyTestHost : IAsyncDisposable
{
    private readonly GrpcChannel _channel;

    private TallyTestHost(WebApplication app, int grpcPort, int httpPort)
    {
        App = app;
        HttpPort = httpPort;
        _channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}");
        var invoker = _channel.CreateCallInvoker();
        Ingestion = new IngestionService.IngestionServiceClient(invoker);
        Citations = new CitationService.CitationServiceClient(invoker);
    }

    public WebApplication App { get; }

    /// <summary>The plain HTTP port (/metrics, /healthz, /readyz).</summary>
    public int HttpPort { get; }

    public IngestionService.IngestionServiceClient Ingestion { get; }

    public CitationService.CitationServiceClient Citations { get; }

    public Catalog.Catalog Catalog => App.Services.GetRequiredService<Catalog.Catalog>();

    /// <summary>Every event published on the host's bus, as a test consumer received it.</summary>
    public EventRecorder Events => App.Services.GetRequiredService<EventRecorder>();

    public static async Task<TallyTestHost> StartAsync(IDictionary<string, string?>? settings = null)
    {
        var (grpcPort, httpPort) = FreePorts.Two();
        var self = $"http://127.0.0.1:{grpcPort}";
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            // These tests exercise the services, not authentication (tests/Tally.Security.Tests does): callers on loopback edit.
            ["Tally:Auth:AnonymousLoopbackRole"] = "editor",
            ["Tally:Host:GrpcPort"] = grpcPort.ToString(CultureInfo.InvariantCulture),
            ["Tally:Host:HttpPort"] = httpPort.ToString(CultureInfo.InvariantCulture),
            ["Tally:Storage:InMemory"] = "true",
            ["Tally:Services:Citations"] = self,
            ["Tally:Services:Ingestion"] = self,
            ["Tally:Services:Definitions"] = self,
            ["Logging:LogLevel:Default"] = "Warning",
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.AddServiceDefaults();
        builder.AddIngestionService();
        builder.AddCitationsService();
        builder.Services.AddSingleton<EventRecorder>();
        builder.Services.AddBusConsumer<EventRecorder.SourceIngestedRecorder>();
        builder.Services.AddBusConsumer<EventRecorder.FiguresExtractedRecorder>();
        builder.Services.AddBusConsumer<EventRecorder.CitationVerifiedRecorder>();
        builder.Services.AddBusConsumer<EventRecorder.DatasetLoadedRecorder>();
        builder.Services.AddTallyBus(builder.Configuration);
        var app = builder.Build();
        app.MapServiceDefaults();
        app.MapIngestionService();
        app.MapCitationsService();
        await app.StartAsync();
        return new TallyTestHost(app, grpcPort, httpPort);
    }

    /// <summary>Ingests a file's bytes for a registered source.</summary>
    public Task<IngestDocumentResponse> IngestAsync(byte[] content, string fileName, string sourceId, string mediaType = "") =>
        Ingestion.IngestDocumentAsync(new IngestDocumentRequest
        {
            Content = Google.Protobuf.ByteString.CopyFrom(content),
            FileName = fileName,
            MediaType = mediaType,
            SourceId = sourceId,
        });

    /// <summary>
    /// Waits (bounded) until <paramref name="done"/> holds for the citation — the bus delivers SourceIngested
    /// asynchronously — and returns its last state.
    /// </summary>
    public async Task<Citation> WaitForCitationAsync(string citationId, Func<Citation, bool> done)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var citation = (await Citations.GetCitationAsync(new GetCitationRequest { CitationId = citationId })).Citation;
            if (done(citation) || DateTime.UtcNow > until)
            {
                return citation;
            }

            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }

}

/// <summary>Records the events published on a test host's bus (each through a real consumer on the in-memory transport).</summary>
internal sealed class EventRecorder
{
    private readonly ConcurrentQueue<object> _events = new();

    public IReadOnlyList<T> Of<T>() => _events.OfType<T>().ToList();

    /// <summary>Waits (bounded) until an event of type T matching <paramref name="match"/> has arrived.</summary>
    public async Task<T> WaitForAsync<T>(Func<T, bool> match)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var hit = _events.OfType<T>().FirstOrDefault(match);
            if (hit is not null)
            {
                return hit;
            }

            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"No {typeof(T).Name} matching the condition arrived within 30 s.");
            }

            await Task.Delay(25);
        }
    }

    private void Add(object message) => _events.Enqueue(message);

    internal sealed class SourceIngestedRecorder(EventRecorder recorder) : IConsumer<SourceIngested>
    {
        public Task Consume(ConsumeContext<SourceIngested> context)
        {
            recorder.Add(context.Message);
            return Task.CompletedTask;
        }
    }

    internal sealed class FiguresExtractedRecorder(EventRecorder recorder) : IConsumer<FiguresExtracted>
    {
        public Task Consume(ConsumeContext<FiguresExtracted> context)
        {
            recorder.Add(context.Message);
            return Task.CompletedTask;
        }
    }

    internal sealed class DatasetLoadedRecorder(EventRecorder recorder) : IConsumer<DatasetLoaded>
    {
        public Task Consume(ConsumeContext<DatasetLoaded> context)
        {
            recorder.Add(context.Message);
            return Task.CompletedTask;
        }
    }

    internal sealed class CitationVerifiedRecorder(EventRecorder recorder) : IConsumer<CitationVerified>
    {
        public Task Consume(ConsumeContext<CitationVerified> context)
        {
            recorder.Add(context.Message);
            return Task.CompletedTask;
        }
    }
}

/// <summary>Where the shared seed documents are (../shared/seeds from the repository root), if present.</summary>
internal static class SharedData
{
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>The seeds folder, or null when this checkout has no ../shared/seeds.</summary>
    public static string? SeedsDirectory
    {
        get
        {
            var dir = Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "seeds"));
            return Directory.Exists(dir) ? dir : null;
        }
    }

    public const string SeedsMissing = "../shared/seeds (relative to the repository root) is absent, so seed-based checks cannot run here.";

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "catalog", "sources.yaml")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No repository root (a folder with catalog/sources.yaml) above {AppContext.BaseDirectory}.");
    }
}

/// <summary>A fact that runs only when ../shared/seeds exists, and says so when it is skipped.</summary>
internal sealed class SeedsFactAttribute : FactAttribute
{
    public SeedsFactAttribute()
    {
        if (SharedData.SeedsDirectory is null)
        {
            Skip = SharedData.SeedsMissing;
        }
    }
}
