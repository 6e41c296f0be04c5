using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tally.Access.V1;
using Tally.AllInOne;
using Tally.Grpc;
using Tally.Testing;

namespace Tally.Security.Tests;

/// <summary>
/// The embedded default with anonymous access switched off ("none"), a configured bootstrap token and service token,
/// on free loopback ports. Keys for each role are created the way an operator would: the bootstrap token makes the
/// first admin key, that key makes the rest. Log lines are kept so tests can check that no secret is ever logged.
/// </summary>
public sealed class SecuredTally : IAsyncLifetime
{
    private WebApplication? _app;

    public string Bootstrap { get; } = "tly_bootstrap_" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));

    public string ServiceToken { get; } = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    public int GrpcPort { get; private set; }

    public int HttpPort { get; private set; }

    public GrpcChannel Channel { get; private set; } = null!;

    public string ReaderKey { get; private set; } = "";

    public string EditorKey { get; private set; } = "";

    public string AdminKey { get; private set; } = "";

    public IServiceProvider Services => _app!.Services;

    /// <summary>Every log line the host wrote (category: message), for the no-secrets-in-logs check.</summary>
    public CapturedLogs Logs { get; } = new();

    /// <summary>Extra settings (JWT, RequireTls) a test class needs; set before InitializeAsync.</summary>
    public Dictionary<string, string?> Settings { get; } = new();

    public async Task InitializeAsync()
    {
        (GrpcPort, HttpPort) = FreePorts.Two();
        var settings = new Dictionary<string, string?>
        {
            ["Tally:Host:BindAddress"] = "127.0.0.1",
            ["Tally:Host:GrpcPort"] = GrpcPort.ToString(CultureInfo.InvariantCulture),
            ["Tally:Host:HttpPort"] = HttpPort.ToString(CultureInfo.InvariantCulture),
            ["Tally:Storage:Provider"] = "sqlite",
            ["Tally:Storage:InMemory"] = "true",
            ["Tally:Bus:Transport"] = "inmemory",
            ["Tally:Catalog:Directory"] = RepoRoot.PathOf("catalog"),
            ["Tally:Auth:AnonymousLoopbackRole"] = "none",
            ["Tally:Auth:BootstrapToken"] = Bootstrap,
            ["Tally:Auth:ServiceToken"] = ServiceToken,
            ["Logging:LogLevel:Default"] = "Information",
        };
        foreach (var (k, v) in Settings) settings[k] = v;
        _app = AllInOneHost.Build([], builder => builder.Configuration.AddInMemoryCollection(settings));
        // Added after the host's own logging set-up (which clears providers), before anything runs.
        _app.Services.GetRequiredService<ILoggerFactory>().AddProvider(Logs);
        await _app.StartAsync();
        Channel = GrpcChannel.ForAddress($"http://127.0.0.1:{GrpcPort}");
        AdminKey = (await Access(Bootstrap).CreateApiKeyAsync(new CreateApiKeyRequest { Name = "ada", Role = Role.Admin })).Secret;
        EditorKey = (await Access(AdminKey).CreateApiKeyAsync(new CreateApiKeyRequest { Name = "ed", Role = Role.Editor })).Secret;
        ReaderKey = (await Access(AdminKey).CreateApiKeyAsync(new CreateApiKeyRequest { Name = "rita", Role = Role.Reader })).Secret;
    }

    public async Task DisposeAsync()
    {
        Channel?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    /// <summary>A call invoker that sends <paramref name="token"/> as the bearer token (none when null).</summary>
    public CallInvoker As(string? token) => token is null
        ? Channel.CreateCallInvoker()
        : Tally.Grpc.Interceptors.CallInvokerExtensions.Intercept(Channel.CreateCallInvoker(), new BearerInterceptor(token));

    public AccessService.AccessServiceClient Access(string? token) => new(As(token));

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
