using System.Buffers.Binary;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Google.Protobuf;
using Grpc.Health.V1;
using Grpc.Reflection.V1Alpha;
using Grpc.Testing;
using Tally.Fuzz.Tests.Engine;
using Tally.Grpc;
using Xunit.Abstractions;

namespace Tally.Fuzz.Tests.Targets;

/// <summary>
/// The in-house gRPC runtime under hostile requests, over a real h2c socket: length-prefixed frames with lying
/// lengths, bad compressed flags and broken gzip; grpc-timeout, grpc-encoding, grpc-accept-encoding, '-bin' and other
/// metadata; content-types; paths. Oracle: every response carries a valid grpc-status (in the headers of a
/// Trailers-Only response, or in the trailers after well-formed frames), or is a clean HTTP error (4xx that the
/// protocol defines); the server logs no error (no handler or Kestrel unhandled exception); and it keeps answering
/// a real Health check every 100 inputs and at the end.
/// </summary>
public sealed class GrpcFuzzTests(ITestOutputHelper output)
{
    /// <summary>HTTP errors a gRPC server may answer a malformed request with (PROTOCOL-HTTP2; Kestrel's own checks).</summary>
    private static readonly HashSet<HttpStatusCode> CleanHttpErrors =
    [
        HttpStatusCode.BadRequest, HttpStatusCode.NotFound, HttpStatusCode.MethodNotAllowed, HttpStatusCode.LengthRequired,
        HttpStatusCode.RequestEntityTooLarge, HttpStatusCode.UnsupportedMediaType, HttpStatusCode.UpgradeRequired,
        HttpStatusCode.RequestHeaderFieldsTooLarge,
    ];

    /// <summary>Hop-by-hop headers HTTP/2 forbids: the client refuses to send them, so inputs naming them drop them.</summary>
    private static readonly HashSet<string> Unsendable = new(StringComparer.OrdinalIgnoreCase)
    {
        "content-length", "host", "transfer-encoding", "connection", "upgrade", "keep-alive", "proxy-connection", "te",
    };

    private static readonly string[] Paths =
    [
        "/grpc.health.v1.Health/Check", "/grpc.health.v1.Health/List", "/grpc.health.v1.Health/Watch",
        "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
        "/grpc.testing.TestService/EmptyCall", "/grpc.testing.TestService/UnaryCall", "/grpc.testing.TestService/StreamingOutputCall",
        "/grpc.testing.TestService/StreamingInputCall", "/grpc.testing.TestService/FullDuplexCall", "/grpc.testing.TestService/HalfDuplexCall",
        "/grpc.testing.TestService/UnimplementedCall", "/grpc.testing.TestService/NoSuchMethod", "/no.such.Service/Method", "/", "/grpc.health.v1.Health",
        "/grpc.health.v1.Health/Check/extra", "//", "/%2Fgrpc.health.v1.Health%2FCheck",
    ];

    private static readonly string[] ContentTypes =
    [
        "application/grpc", "application/grpc+proto", "application/grpc; charset=utf-8", "application/grpc+json", "application/grpcx",
        "APPLICATION/GRPC", "application/grpc+proto;x=y", "text/plain", "application/json", "", "application/grpc;", "application/grpc+",
    ];

    private static readonly string[] Timeouts =
    [
        "1S", "100m", "5S", "1H", "99999999H", "99999999n", "0n", "0S", "1n", "1u", "00000001m", "123456789S", "1", "S", "-1S", "1s", "1x",
        "1.5S", " 1S", "1S ", "１S", "999999999999999999999H", "",
    ];

    private static readonly string[] Encodings = ["identity", "gzip", "GZIP", "deflate", "snappy", "", "gzip, identity", "identity,gzip", "x-unknown", "*"];

    [Fact]
    public async Task GrpcFramingAndMetadata_HostileRequests_StatusOrCleanHttpError()
    {
        await using var server = await GrpcServerHost.StartAsync();
        using var handler = new SocketsHttpHandler
        {
            // Header bytes 0x80–0xFF go out as they are (Latin-1), so the server meets them; the default refuses to send them.
            RequestHeaderEncodingSelector = (_, _) => Encoding.Latin1,
            ResponseHeaderEncodingSelector = (_, _) => Encoding.Latin1,
        };
        using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        var target = new FuzzTarget
        {
            Name = "grpc",
            Seeds = Seeds(),
            Dictionary = Dictionary.Of(["\n", ": ", "grpc-timeout: ", "grpc-encoding: gzip\n", "content-type: application/grpc\n", "x-bin: ", "-bin: ",
                "=", "==", "%", "%00", "\u0000\u0000\u0000\u0000\u0005", "\u0001", "\u00FF\u00FF\u00FF\u00FF", "1S", "99999999H", "gzip", "identity"]),
            Generate = seed => FsGen.Sample(RequestGen, seed, size: 12).Serialize(),
            GenerateOneIn = 3,
            Mutate = MutateRequest,
            IsText = false,
            Cost = 0.5,
            Describe = input => "   request: " + GrpcRequest.Parse(input).Describe(),
            Run = (input, cancellationToken) => SendAndCheckAsync(client, server, GrpcRequest.Parse(input), cancellationToken),
            Classify = Clean.Never, // every problem is an OracleViolation; anything else thrown here is a bug of this harness or the client
            Probe = () => ProbeAsync(server),
        };
        var ran = await new FuzzRunner(target, output).RunAsync();
        Assert.True(ran > target.Seeds.Count, $"fuzz {target.Name}: only the {target.Seeds.Count} seed inputs ran, no mutated or generated one");
        Assert.Empty(server.Errors.Drain());
    }

    private static async Task SendAndCheckAsync(HttpClient client, GrpcServerHost server, GrpcRequest r, CancellationToken cancellationToken)
    {
        // Within the server's header list limit (32 KiB), or the client refuses to send the request at all.
        var budget = 24 * 1024;
        r = r with
        {
            Path = r.Path.Length > 8 * 1024 ? r.Path[..(8 * 1024)] : r.Path,
            Headers = [.. r.Headers.Select(h => (h.Name, h.Value.Length > 8 * 1024 ? h.Value[..(8 * 1024)] : h.Value)).TakeWhile(h => (budget -= h.Name.Length + h.Item2.Length + 32) > 0)],
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.Address.GetLeftPart(UriPartial.Authority) + EscapePath(r.Path)))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(r.Body),
        };
        request.Headers.TryAddWithoutValidation("te", "trailers");
        foreach (var (name, value) in r.Headers)
        {
            var clean = value.Replace("\0", "", StringComparison.Ordinal).Replace("\r", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal);
            if (!IsToken(name) || Unsendable.Contains(name))
            {
                continue;
            }
            if (name == "grpc-timeout" && r.Path.EndsWith("/Watch", StringComparison.Ordinal))
            {
                continue; // Watch streams until the deadline: it always gets the short one below
            }
            if (name.Equals("content-type", StringComparison.OrdinalIgnoreCase) || !request.Headers.TryAddWithoutValidation(name, clean))
            {
                request.Content.Headers.TryAddWithoutValidation(name, clean);
            }
        }
        if (r.Path.EndsWith("/Watch", StringComparison.Ordinal))
        {
            request.Headers.TryAddWithoutValidation("grpc-timeout", "300m");
        }

        HttpResponseMessage response;
        byte[] body;
        try
        {
            response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        }
        catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.HttpProtocolError)
        {
            if (e.InnerException is HttpProtocolException { ErrorCode: 0x1 })
            {
                // PROTOCOL_ERROR: Kestrel refused the request at the HTTP/2 layer (a NUL in the path, header bytes outside
                // ASCII), before any gRPC code ran; the runtime itself never resets a stream. A clean refusal.
                FuzzOutcome.Note("reset by Kestrel (PROTOCOL_ERROR)");
                return;
            }
            throw new OracleViolation($"the server reset the stream instead of answering with a status ({e.Message}{(e.InnerException is null ? "" : " / " + e.InnerException.Message)})");
        }
        using (response)
        {
            CheckServerLog(server);
            CheckResponse(response, body);
        }
    }

    private static void CheckServerLog(GrpcServerHost server)
    {
        if (server.Errors.Drain() is { Count: > 0 } errors)
        {
            throw new OracleViolation("the server logged an error: " + string.Join(" | ", errors));
        }
    }

    private static void CheckResponse(HttpResponseMessage response, byte[] body)
    {
        string? Find(string name) =>
            response.Headers.TryGetValues(name, out var h) ? h.First()
            : response.TrailingHeaders.TryGetValues(name, out var t) ? t.First() : null;

        var status = Find("grpc-status");
        if (response.StatusCode != HttpStatusCode.OK)
        {
            if (!CleanHttpErrors.Contains(response.StatusCode))
            {
                throw new OracleViolation($"HTTP {(int)response.StatusCode} is not a clean error for a malformed request (grpc-status {status ?? "absent"})");
            }
            FuzzOutcome.Note($"http {(int)response.StatusCode}");
            return;
        }
        if (status is null)
        {
            throw new OracleViolation($"HTTP 200 without grpc-status in headers or trailers ({body.Length} body bytes)");
        }
        if (!int.TryParse(status, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var code) || code is < 0 or > 16)
        {
            throw new OracleViolation($"grpc-status '{status}' is not a status code (0-16)");
        }
        if (response.Content.Headers.ContentType?.MediaType is not { } mediaType || !mediaType.StartsWith("application/grpc", StringComparison.Ordinal))
        {
            throw new OracleViolation($"a gRPC response with content-type '{response.Content.Headers.ContentType}'");
        }
        if (Find("grpc-message") is { } message && message.Any(c => c is < ' ' or > '~'))
        {
            throw new OracleViolation($"grpc-message is not percent-encoded printable ASCII: '{message}'");
        }
        var trailersOnly = response.Headers.Contains("grpc-status");
        if (trailersOnly && body.Length > 0)
        {
            throw new OracleViolation($"a Trailers-Only response (grpc-status {status} in the headers) with {body.Length} body bytes");
        }
        var gzip = response.Headers.TryGetValues("grpc-encoding", out var enc) && enc.First() == "gzip";
        for (var at = 0; at < body.Length;)
        {
            if (body.Length - at < 5)
            {
                throw new OracleViolation($"the response body ends inside a message header ({body.Length - at} bytes)");
            }
            var flag = body[at];
            var length = BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(at + 1));
            if (flag > 1 || (flag == 1 && !gzip))
            {
                throw new OracleViolation($"a response message with compressed flag {flag} (grpc-encoding {(gzip ? "gzip" : "absent")})");
            }
            if (length > body.Length - at - 5)
            {
                throw new OracleViolation($"a response message announces {length} bytes but {body.Length - at - 5} follow");
            }
            at += 5 + (int)length;
        }
        FuzzOutcome.Note($"grpc-status {code}");
    }

    private static async Task ProbeAsync(GrpcServerHost server)
    {
        using var channel = GrpcChannel.ForAddress(server.Address);
        var reply = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest { Service = "" });
        if (reply.Status != HealthCheckResponse.Types.ServingStatus.Serving)
        {
            throw new OracleViolation($"the server answers Health.Check with {reply.Status}");
        }
        var unary = await new TestService.TestServiceClient(channel).UnaryCallAsync(new SimpleRequest { ResponseSize = 3 });
        if (unary.Payload.Body.Length != 3)
        {
            throw new OracleViolation("the server no longer answers UnaryCall correctly");
        }
        CheckServerLog(server);
    }

    private static bool IsToken(string name) =>
        name.Length > 0 && name.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-' or '_' or '.' or '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '^' or '`' or '|' or '~');

    /// <summary>Any path as a URL path: characters outside the unreserved set (and '/') as %XX of their Latin-1 byte.</summary>
    private static string EscapePath(string path)
    {
        var escaped = new StringBuilder(path.Length + 1);
        if (!path.StartsWith('/'))
        {
            escaped.Append('/');
        }
        foreach (var c in path)
        {
            if (c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '-' or '.' or '_' or '~' or '/' or '%')
            {
                escaped.Append(c);
            }
            else
            {
                escaped.Append('%').Append(((byte)c).ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        return escaped.ToString();
    }

    // ---------------------------------------------------------------- inputs

    /// <summary>Well-formed calls of every method: the starting points for mutation.</summary>
    private static List<byte[]> Seeds()
    {
        var grpc = new List<(string, string)> { ("content-type", "application/grpc") };
        return
        [
            new GrpcRequest(Paths[0], grpc, Frame(new HealthCheckRequest { Service = "" }.ToByteArray())).Serialize(),
            new GrpcRequest(Paths[0], [.. grpc, ("grpc-timeout", "5S"), ("grpc-encoding", "gzip"), ("grpc-accept-encoding", "gzip")],
                Frame(Gzip(new HealthCheckRequest { Service = "grpc.health.v1.Health" }.ToByteArray()), compressed: true)).Serialize(),
            new GrpcRequest(Paths[3], grpc, [.. Frame(new ServerReflectionRequest { ListServices = "*" }.ToByteArray()),
                .. Frame(new ServerReflectionRequest { FileContainingSymbol = "grpc.health.v1.Health" }.ToByteArray()),
                .. Frame(new ServerReflectionRequest { FileByFilename = "grpc/testing/test.proto" }.ToByteArray())]).Serialize(),
            new GrpcRequest(Paths[5], [.. grpc, ("x-user", "fuzz"), ("x-trace-bin", "AAEC")],
                Frame(new SimpleRequest { ResponseSize = 10, Payload = new Payload { Body = ByteString.CopyFromUtf8("hello") } }.ToByteArray())).Serialize(),
            new GrpcRequest(Paths[6], grpc, Frame(new StreamingOutputCallRequest { ResponseParameters = { new ResponseParameters { Size = 1 }, new ResponseParameters { Size = 2 } } }.ToByteArray())).Serialize(),
            new GrpcRequest(Paths[7], grpc, [.. Frame(new StreamingInputCallRequest { Payload = new Payload { Body = ByteString.CopyFrom(1, 2, 3) } }.ToByteArray()),
                .. Frame(new StreamingInputCallRequest().ToByteArray())]).Serialize(),
            new GrpcRequest(Paths[8], [.. grpc, ("grpc-accept-encoding", "identity,gzip")],
                [.. Frame(new StreamingOutputCallRequest { ResponseParameters = { new ResponseParameters { Size = 5 } } }.ToByteArray()),
                 .. Frame(new StreamingOutputCallRequest().ToByteArray())]).Serialize(),
            new GrpcRequest(Paths[4], grpc, Frame([])).Serialize(),
        ];
    }

    private static byte[] Frame(byte[] payload, bool compressed = false, uint? lieLength = null, byte? flag = null)
    {
        var frame = new byte[5 + payload.Length];
        frame[0] = flag ?? (compressed ? (byte)1 : (byte)0);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), lieLength ?? (uint)payload.Length);
        payload.CopyTo(frame, 5);
        return frame;
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var zip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            zip.Write(data);
        }
        return output.ToArray();
    }

    private static readonly Gen<string> Text = Gen.OneOf(
        Gen.Elements("", "grpc.health.v1.Health", "grpc.testing.TestService", "tally.query.v1.QueryService", "no.such.Service", ".", "..",
            "grpc.health.v1.HealthCheckRequest.service", "google/protobuf/empty.proto", "../../etc/passwd", "*", "\u0000", "é", "\U0001F600"),
        Gen.ArrayOf(Gen.Choose(0x20, 0x7E).Select(c => (char)c)).Select(a => new string(a)),
        Gen.Choose(0, 40_000).Select(n => new string('a', n)));

    private static readonly Gen<int> Size = Gen.OneOf(Gen.Choose(0, 64), Gen.Elements(-1, 0, 4096, 4097, 65536, int.MaxValue, int.MinValue));

    private static readonly Gen<byte[]> RandomBytes = Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b));

    /// <summary>A request message for the method at <paramref name="path"/>, or random bytes where a message should be.</summary>
    private static Gen<byte[]> Message(string path) => Gen.Frequency(
        (1, RandomBytes),
        (6, path switch
        {
            _ when path.Contains("Reflection", StringComparison.Ordinal) => Gen.OneOf(
                Text.Select(t => new ServerReflectionRequest { ListServices = t, Host = t }.ToByteArray()),
                Text.Select(t => new ServerReflectionRequest { FileByFilename = t }.ToByteArray()),
                Text.Select(t => new ServerReflectionRequest { FileContainingSymbol = t }.ToByteArray()),
                Text.Zip(Size).Select(p => new ServerReflectionRequest { FileContainingExtension = new ExtensionRequest { ContainingType = p.Item1, ExtensionNumber = p.Item2 } }.ToByteArray()),
                Text.Select(t => new ServerReflectionRequest { AllExtensionNumbersOfType = t }.ToByteArray()),
                Gen.Constant(new ServerReflectionRequest().ToByteArray())),
            _ when path.Contains("Health", StringComparison.Ordinal) => Text.Select(t => new HealthCheckRequest { Service = t }.ToByteArray()),
            _ when path.Contains("StreamingInput", StringComparison.Ordinal) => RandomBytes.Select(b => new StreamingInputCallRequest { Payload = new Payload { Body = ByteString.CopyFrom(b) } }.ToByteArray()),
            _ when path.Contains("Streaming", StringComparison.Ordinal) || path.Contains("Duplex", StringComparison.Ordinal) =>
                Gen.ListOf(Size).Select(sizes => { var m = new StreamingOutputCallRequest(); m.ResponseParameters.AddRange(sizes.Select(s => new ResponseParameters { Size = s })); return m.ToByteArray(); }),
            _ => Size.Zip(RandomBytes).Select(p => new SimpleRequest { ResponseSize = p.Item1, Payload = new Payload { Body = ByteString.CopyFrom(p.Item2) } }.ToByteArray()),
        }));

    private static Gen<byte[]> FrameGen(string path) =>
        from payload in Message(path)
        from compress in Gen.Frequency((3, Gen.Constant(false)), (1, Gen.Constant(true)))
        from flag in Gen.Frequency((8, Gen.Constant<byte?>(null)), (1, Gen.Elements<byte?>(0, 1, 2, 255)))
        from lie in Gen.Frequency((8, Gen.Constant<uint?>(null)), (1, Gen.Elements<uint?>(0, 1, 4, (uint)GrpcServerHost.MaxReceiveMessageSize + 1, int.MaxValue, uint.MaxValue)))
        from cut in Gen.Frequency((8, Gen.Constant(false)), (1, Gen.Constant(true)))
        let bytes = compress ? Gzip(payload) : payload
        let frame = Frame(bytes, compress, lie, flag)
        select cut && frame.Length > 1 ? frame[..(frame.Length / 2)] : frame;

    private static readonly Gen<(string, string)> Metadata = Gen.OneOf(
        Gen.Elements("x-user", "x-trace", "authorization", "user-agent", "grpc-previous-rpc-attempts", "grpc-tags-bin", "x-a.b_c")
            .Zip(Gen.Elements("v", "", " spaced ", "Bearer token", "%", "\u00e9", "a\u007fb", new string('v', 9000))),
        Gen.Elements("x-trace-bin", "grpc-trace-bin", "a-bin", "-bin")
            .Zip(Gen.Elements("AAEC", "AAEC==", "AAE", "A", "====", "!!!!", "", "AA,EC", "AAEC, AQ", " AAEC ", "AA EC", new string('A', 5001))));

    private static readonly Gen<GrpcRequest> RequestGen =
        from path in Gen.Elements(Paths)
        from contentType in Gen.Frequency((6, Gen.Constant("application/grpc")), (2, Gen.Elements(ContentTypes)))
        from timeout in Gen.Frequency((3, Gen.Constant<string?>(null)), (2, Gen.Elements<string?>(Timeouts)))
        from encoding in Gen.Frequency((3, Gen.Constant<string?>(null)), (1, Gen.Elements<string?>(Encodings)))
        from accept in Gen.Frequency((3, Gen.Constant<string?>(null)), (1, Gen.Elements<string?>(Encodings)))
        from metadata in Gen.ListOf(Metadata)
        from frames in Gen.ListOf(FrameGen(path)).Select(l => l.Take(4).ToList())
        select new GrpcRequest(path,
            [("content-type", contentType), .. Optional("grpc-timeout", timeout), .. Optional("grpc-encoding", encoding),
             .. Optional("grpc-accept-encoding", accept), .. metadata.Take(6)],
            frames.SelectMany(f => f).ToArray());

    private static IEnumerable<(string, string)> Optional(string name, string? value) => value is null ? [] : [(name, value)];

    /// <summary>Request-aware mutations: frame headers (flag, length), gzip, frames dropped or repeated, header values, paths.</summary>
    private static byte[] MutateRequest(byte[] input, FuzzRandom rng, IReadOnlyList<byte[]> corpus)
    {
        var r = GrpcRequest.Parse(input);
        var body = r.Body;
        var headers = r.Headers.ToList();
        var path = r.Path;
        switch (rng.Next(9))
        {
            case 0 when body.Length >= 5:
                body = [.. body];
                body[0] = rng.Pick<byte>([0, 1, 2, 0x80, 0xFF]);
                break;
            case 1 when body.Length >= 5:
                body = [.. body];
                BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(1), rng.Pick<uint>([0, 1, (uint)body.Length - 5 + 1, (uint)body.Length - 5 - 1,
                    (uint)GrpcServerHost.MaxReceiveMessageSize, (uint)GrpcServerHost.MaxReceiveMessageSize + 1, int.MaxValue, uint.MaxValue]));
                break;
            case 2 when body.Length >= 5:
                // Compress the first message's payload (or claim to) and say so, or not.
                var payload = body.AsSpan(5).ToArray();
                body = Frame(rng.OneIn(2) ? Gzip(payload) : payload, compressed: true);
                if (rng.OneIn(2))
                {
                    headers.RemoveAll(h => h.Name == "grpc-encoding");
                    headers.Add(("grpc-encoding", rng.Pick(Encodings)));
                }
                break;
            case 3:
                body = [.. body, .. body.Length > 0 && rng.OneIn(2) ? body : Frame(new Mutator(rng, new Dictionary(), 4096).Mutate(body.Length > 5 ? body[5..] : [], corpus))];
                break;
            case 4 when body.Length > 0:
                body = body[..rng.Next(body.Length)];
                break;
            case 5 when headers.Count > 0:
                var i = rng.Next(headers.Count);
                var value = Encoding.Latin1.GetBytes(headers[i].Value);
                headers[i] = (headers[i].Name, Encoding.Latin1.GetString(new Mutator(rng, Dictionary.Of(Timeouts.Concat(Encodings).Concat(ContentTypes).ToArray()), 4096).Mutate(value, corpus)));
                break;
            case 6:
                headers.RemoveAll(h => h.Name == "grpc-timeout");
                headers.Add(("grpc-timeout", rng.Pick(Timeouts)));
                break;
            case 7:
                headers.RemoveAll(h => h.Name == "content-type");
                headers.Add(("content-type", rng.Pick(ContentTypes)));
                break;
            default:
                path = rng.Pick(Paths);
                break;
        }
        return new GrpcRequest(path, headers, body).Serialize();
    }
}

/// <summary>
/// One request as the fuzzer stores it: "PATH\nname: value\n…\n\nBODY" (header lines Latin-1, so every byte survives),
/// so that plain byte mutations reach paths, metadata and frames alike.
/// </summary>
internal sealed record GrpcRequest(string Path, IReadOnlyList<(string Name, string Value)> Headers, byte[] Body)
{
    public byte[] Serialize()
    {
        var head = new StringBuilder(Path.Replace("\n", "", StringComparison.Ordinal)).Append('\n');
        foreach (var (name, value) in Headers)
        {
            head.Append(name.Replace("\n", "", StringComparison.Ordinal)).Append(": ").Append(value.Replace("\n", "", StringComparison.Ordinal)).Append('\n');
        }
        head.Append('\n');
        return [.. Encoding.Latin1.GetBytes(head.ToString()), .. Body];
    }

    public static GrpcRequest Parse(byte[] input)
    {
        var at = 0;
        string? Line()
        {
            if (at >= input.Length)
            {
                return null;
            }
            var end = Array.IndexOf(input, (byte)'\n', at);
            var line = Encoding.Latin1.GetString(input, at, (end < 0 ? input.Length : end) - at);
            at = end < 0 ? input.Length : end + 1;
            return line;
        }
        var path = Line() ?? "/";
        var headers = new List<(string, string)>();
        while (Line() is { Length: > 0 } line)
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                headers.Add((line[..colon].Trim().ToLowerInvariant(), line[(colon + 1)..].TrimStart(' ')));
            }
        }
        return new GrpcRequest(path, headers, input[at..]);
    }

    public string Describe() =>
        $"POST {Path}; " + string.Join("; ", Headers.Select(h => $"{h.Name}: {FuzzRunner.Escape(Encoding.Latin1.GetBytes(h.Value), 200)}")) +
        $"; body {Body.Length} bytes: {FuzzRunner.Hex(Body, 512)}";
}
