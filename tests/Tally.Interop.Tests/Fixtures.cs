using Tally.Testing;
using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Tally.Grpc;

namespace Tally.Interop.Tests;

/// <summary>Our interop server (TestService on Tally's runtime) on a free loopback port, in this process.</summary>
public class OurServerFixture : IAsyncLifetime
{
    private readonly bool _gzip;
    private WebApplication? _app;

    public OurServerFixture() : this(gzip: false) { }

    protected OurServerFixture(bool gzip) => _gzip = gzip;

    /// <summary>"127.0.0.1:port".</summary>
    public string Target { get; private set; } = "";

    public async Task InitializeAsync()
    {
        _app = InteropServerApp.Build(new InteropServerOptions { Port = 0, GzipResponses = _gzip });
        await _app.StartAsync();
        Target = InteropServerApp.GetAddress(_app).Authority;
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}

/// <summary>The same server, compressing every response with gzip.</summary>
public sealed class OurGzipServerFixture() : OurServerFixture(gzip: true);

/// <summary>tests/interop-node/server.js (@grpc/grpc-js) on a free loopback port, in its own process.</summary>
public class NodeServerFixture : IAsyncLifetime
{
    private Process? _process;

    /// <summary>"127.0.0.1:port".</summary>
    public string Target { get; private set; } = "";

    public GrpcChannel Channel { get; private set; } = null!;

    /// <summary>More arguments for server.js (e.g. TLS files).</summary>
    protected virtual IEnumerable<string> ExtraArguments => [];

    /// <summary>The channel tests call through: h2c by default.</summary>
    protected virtual GrpcChannel CreateChannel(string target) => GrpcChannel.ForAddress("http://" + target);

    public virtual async Task InitializeAsync()
    {
        _process = NodePeer.Start("server.js", ["--port", "0", "--exit-on-stdin-close", .. ExtraArguments], redirectInput: true);
        var errors = _process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        string? line;
        try
        {
            line = await _process.StandardOutput.ReadLineAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            line = null;
        }
        if (line is null || !line.StartsWith("READY ", StringComparison.Ordinal))
        {
            _process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"node server.js did not report READY within 60 s (first line: '{line}'). stderr: {await errors}");
        }
        Target = "127.0.0.1:" + line["READY ".Length..].Trim();
        Channel = CreateChannel(Target);
    }

    public virtual async Task DisposeAsync()
    {
        Channel?.Dispose();
        if (_process is { HasExited: false })
        {
            _process.StandardInput.Close(); // server.js stops when its stdin closes
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        _process?.Dispose();
    }
}
