using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Tally.Grpc;
using Tally.Testing;

namespace Tally.Hosting.Tests;

/// <summary>
/// A real service-defaults host (two loopback ports, the production interceptors) serving a small test service,
/// tally.test.v1.Limits, whose handlers the test supplies; and a client channel to it.
/// </summary>
internal sealed class LimitsHost : IAsyncDisposable
{
    public const string ServiceName = "tally.test.v1.Limits";

    public static readonly Method<StringValue, StringValue> Echo = new(MethodType.Unary, ServiceName, "Echo", StringValue.Parser, StringValue.Parser);

    private LimitsHost(WebApplication app, int grpcPort, int httpPort)
    {
        App = app;
        GrpcPort = grpcPort;
        HttpPort = httpPort;
        Channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}");
        Invoker = Channel.CreateCallInvoker();
    }

    public WebApplication App { get; }
    public int GrpcPort { get; }
    public int HttpPort { get; }
    public GrpcChannel Channel { get; }
    public CallInvoker Invoker { get; }

    /// <summary>Starts the host; <paramref name="echo"/> handles Echo (default: returns the request).</summary>
    public static async Task<LimitsHost> StartAsync(IDictionary<string, string?>? settings = null,
        UnaryServerMethod<StringValue, StringValue>? echo = null, Action<IServiceCollection>? services = null)
    {
        var (grpcPort, httpPort) = FreePorts.Two();
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Tally:Host:GrpcPort"] = grpcPort.ToString(CultureInfo.InvariantCulture),
            ["Tally:Host:HttpPort"] = httpPort.ToString(CultureInfo.InvariantCulture),
            ["Logging:LogLevel:Default"] = "Warning",
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.AddServiceDefaults();
        // Test services are not Tally's: open them here, so these tests exercise their own subject, not authorization.
        builder.Services.Configure<Tally.Security.AdditionalAccessRules>(o =>
        {
            o.Rules["/tally.test.v1.Probe/"] = Tally.Security.AccessRule.Open;
            o.Rules["/tally.test.v1.Limits/"] = Tally.Security.AccessRule.Open;
        });
        services?.Invoke(builder.Services);
        var app = builder.Build();
        app.MapServiceDefaults();
        app.MapGrpcService(ServerServiceDefinition.CreateBuilder(ServiceName)
            .AddMethod(Echo, echo ?? ((request, _) => Task.FromResult(request)))
            .Build());
        await app.StartAsync();
        return new LimitsHost(app, grpcPort, httpPort);
    }

    public Task<StringValue> EchoAsync(string text, CallOptions options = default) =>
        Invoker.AsyncUnaryCall(Echo, null, options, new StringValue { Value = text }).ResponseAsync;

    /// <summary>The host's /metrics text.</summary>
    public async Task<string> ScrapeAsync()
    {
        using var http = new HttpClient();
        return await http.GetStringAsync(new Uri($"http://127.0.0.1:{HttpPort}/metrics"));
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>
/// A peer that accepts TCP connections and never answers (not even the HTTP/2 handshake): the worst kind of hung
/// service. Counts the connections it accepted.
/// </summary>
internal sealed class HungPeer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<TcpClient> _clients = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public HungPeer()
    {
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public string Address => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    public int Connections
    {
        get
        {
            lock (_clients)
            {
                return _clients.Count;
            }
        }
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                lock (_clients)
                {
                    _clients.Add(client);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (SocketException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        lock (_clients)
        {
            foreach (var client in _clients)
            {
                client.Dispose();
            }
        }

        _stop.Dispose();
    }
}
