using Tally.Testing;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Tally.Grpc;

namespace Tally.Interop.Tests;

/// <summary>The interop cases, one test each.</summary>
public static class InteropCases
{
    public static TheoryData<string> All => [.. InteropClient.Cases];

    /// <summary>Runs tests/interop-node/client.js for one case against a server and asserts it passed.</summary>
    public static async Task RunNodeClientAsync(string target, string testCase)
    {
        var (exitCode, output) = await NodePeer.RunAsync("client.js", ["--server", target, "--case", testCase], TimeSpan.FromSeconds(90));
        Assert.True(exitCode == 0 && output.Contains($"PASS {testCase}", StringComparison.Ordinal),
            $"grpc-js client, case {testCase}, exit code {exitCode}:\n{output}");
    }
}

/// <summary>The @grpc/grpc-js client against our server.</summary>
public sealed class GrpcJsClientToTallyServerTests(OurServerFixture server) : IClassFixture<OurServerFixture>
{
    [Theory]
    [MemberData(nameof(InteropCases.All), MemberType = typeof(InteropCases))]
    public Task Case_Passes(string testCase) => InteropCases.RunNodeClientAsync(server.Target, testCase);

    [Fact]
    public async Task NodeClientCases_AreTheSameAsOurs()
    {
        var (exitCode, output) = await NodePeer.RunAsync("client.js", ["--list"], TimeSpan.FromSeconds(60));
        Assert.Equal(0, exitCode);
        Assert.Equal(InteropClient.Cases, output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }
}

/// <summary>The @grpc/grpc-js client against our server compressing every response (gzip).</summary>
public sealed class GrpcJsClientToTallyGzipServerTests(OurGzipServerFixture server) : IClassFixture<OurGzipServerFixture>
{
    [Theory]
    [MemberData(nameof(InteropCases.All), MemberType = typeof(InteropCases))]
    public Task Case_Passes(string testCase) => InteropCases.RunNodeClientAsync(server.Target, testCase);
}

/// <summary>Our client against the @grpc/grpc-js server.</summary>
public sealed class TallyClientToGrpcJsServerTests(NodeServerFixture server) : IClassFixture<NodeServerFixture>
{
    [Theory]
    [MemberData(nameof(InteropCases.All), MemberType = typeof(InteropCases))]
    public Task Case_Passes(string testCase) => new InteropClient(server.Channel.CreateCallInvoker()).RunAsync(testCase);

    /// <summary>An empty request message sent with gzip must reach grpc-js intact (a zero-length frame is not gzip).</summary>
    [Fact]
    public async Task EmptyRequestWithGzip_GrpcJsAcceptsIt()
    {
        var client = new global::Grpc.Testing.TestService.TestServiceClient(server.Channel);
        var response = await client.EmptyCallAsync(new global::Grpc.Testing.Empty(), new CallOptions(compression: "gzip"));
        Assert.Equal(0, response.CalculateSize());
    }
}

/// <summary>Our client against our server (both sides of the runtime speak the same cases).</summary>
public sealed class TallyClientToTallyServerTests(OurServerFixture server) : IClassFixture<OurServerFixture>, IDisposable
{
    private readonly GrpcChannel _channel = GrpcChannel.ForAddress("http://" + server.Target);

    [Theory]
    [MemberData(nameof(InteropCases.All), MemberType = typeof(InteropCases))]
    public Task Case_Passes(string testCase) => new InteropClient(_channel.CreateCallInvoker()).RunAsync(testCase);

    public void Dispose() => _channel.Dispose();
}

/// <summary>The server as `make interop-server` runs it: its own process, in the foreground, with a ready line.</summary>
public sealed class InteropServerProcessTests
{
    [Fact]
    public async Task ServerProcess_PrintsReadyLineAndServesTheGrpcJsClient()
    {
        var port = FreePort();
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Tally.Interop.Server.dll"));
        info.ArgumentList.Add("--port");
        info.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var process = Process.Start(info)!;
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var ready = await process.StandardOutput.ReadLineAsync(cts.Token);
            Assert.StartsWith($"interop-server: listening on http://127.0.0.1:{port} ", ready, StringComparison.Ordinal);
            await InteropCases.RunNodeClientAsync($"127.0.0.1:{port}", "large_unary");
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>Wire-level checks of what our server sends, read with a plain HTTP/2 client.</summary>
public sealed class TallyServerWireTests(OurGzipServerFixture server) : IClassFixture<OurGzipServerFixture>
{
    /// <summary>
    /// A message of zero bytes must not go out as a zero-length frame flagged compressed: that is not a gzip stream,
    /// and grpc-js fails the call with "Failed to decompress gzip-encoded message" (empty_unary above).
    /// </summary>
    [Fact]
    public async Task GzipServer_EmptyResponseMessage_IsUncompressedOrValidGzip()
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://{server.Target}/grpc.testing.TestService/EmptyCall")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent([0, 0, 0, 0, 0]),
        };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        request.Headers.TryAddWithoutValidation("grpc-accept-encoding", "identity,gzip");
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.True(body.Length >= 5, $"expected one framed message, got {body.Length} bytes");
        var compressed = body[0] == 1;
        var length = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(1, 4));
        Assert.False(compressed && length == 0,
            "the server sent a zero-length message flagged as compressed; a gzip stream is never empty (send it uncompressed).");
    }
}
