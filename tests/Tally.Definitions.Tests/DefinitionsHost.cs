using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Tally.Contracts.Events;
using Tally.Definitions.V1;
using Tally.Grpc;
using Tally.Hosting;
using Tally.Messaging;
using Tally.Testing;

namespace Tally.Definitions.Tests;

/// <summary>Collects MetricDefinitionChanged events as a real consumer on the host's in-memory bus receives them.</summary>
public sealed class ChangedEvents
{
    private readonly Channel<MetricDefinitionChanged> _received = Channel.CreateUnbounded<MetricDefinitionChanged>();

    internal void Add(MetricDefinitionChanged message) => _received.Writer.TryWrite(message);

    /// <summary>The next event, or a failure after the timeout (a bound, not a speed assertion).</summary>
    public async Task<MetricDefinitionChanged> NextAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await _received.Reader.ReadAsync(timeout.Token);
    }

    public bool TryTake(out MetricDefinitionChanged? message) => _received.Reader.TryRead(out message);
}

public sealed class ChangedEventsConsumer(ChangedEvents events) : IConsumer<MetricDefinitionChanged>
{
    public Task Consume(ConsumeContext<MetricDefinitionChanged> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        events.Add(context.Message);
        return Task.CompletedTask;
    }
}

/// <summary>
/// A real host on loopback: service defaults (two ports), the in-memory bus with a test consumer, and the
/// definitions service over a SQLite file in <see cref="DataDirectory"/>; called through the generated client.
/// </summary>
internal sealed class DefinitionsHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly GrpcChannel _channel;

    private DefinitionsHost(WebApplication app, GrpcChannel channel, string dataDirectory, int httpPort)
    {
        HttpBase = new Uri($"http://127.0.0.1:{httpPort}");
        _app = app;
        _channel = channel;
        DataDirectory = dataDirectory;
        Client = new MetricDefinitionService.MetricDefinitionServiceClient(channel.CreateCallInvoker());
        Events = app.Services.GetRequiredService<ChangedEvents>();
    }

    public MetricDefinitionService.MetricDefinitionServiceClient Client { get; }

    public ChangedEvents Events { get; }

    public string DataDirectory { get; }

    /// <summary>The plain HTTP port (/healthz, /readyz, /metrics).</summary>
    public Uri HttpBase { get; }

    public IServiceProvider Services => _app.Services;

    public static string NewDataDirectory() => Directory.CreateTempSubdirectory("tally-definitions-").FullName;

    public static async Task<DefinitionsHost> StartAsync(string? dataDirectory = null, string? catalogDirectory = null)
    {
        dataDirectory ??= NewDataDirectory();
        var (grpcPort, httpPort) = FreePorts.Two();
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            // These tests exercise the services, not authentication (tests/Tally.Security.Tests does): callers on loopback edit.
            ["Tally:Auth:AnonymousLoopbackRole"] = "editor",
            ["Tally:Host:GrpcPort"] = grpcPort.ToString(CultureInfo.InvariantCulture),
            ["Tally:Host:HttpPort"] = httpPort.ToString(CultureInfo.InvariantCulture),
            ["Tally:Host:ServiceName"] = "definitions-test",
            ["Tally:Storage:Provider"] = "sqlite",
            ["Tally:Storage:DataDirectory"] = dataDirectory,
            ["Tally:Catalog:Directory"] = catalogDirectory ?? TestRegistry.CatalogDirectory,
            ["Tally:Definitions:RefreshSeconds"] = "0",
            ["Tally:Bus:Transport"] = "inmemory",
            ["Logging:LogLevel:Default"] = Environment.GetEnvironmentVariable("TEST_LOG") ?? "Warning",
        });
        builder.AddServiceDefaults();
        builder.AddDefinitionsService();
        builder.Services.AddSingleton<ChangedEvents>();
        builder.Services.AddTallyBus(builder.Configuration, bus => bus.AddConsumer<ChangedEventsConsumer>());
        var app = builder.Build();
        app.MapServiceDefaults();
        app.MapDefinitionsService();
        await app.StartAsync();
        return new DefinitionsHost(app, GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}"), dataDirectory, httpPort);
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
