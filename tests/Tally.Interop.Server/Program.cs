using System.Globalization;
using System.Net;
using Tally.Grpc;
using Tally.Interop;

// Usage:
//   Tally.Interop.Server [--port 7450] [--bind 127.0.0.1] [--gzip]       serve TestService (+ Health, ServerReflection)
//   Tally.Interop.Server client --server 127.0.0.1:7450 [--case NAME]...  run the interop cases against a server
const string Usage = """
    usage: Tally.Interop.Server [--port N] [--bind ADDRESS] [--gzip]
           Tally.Interop.Server client --server HOST:PORT [--case NAME]...
    """;

try
{
    return args is ["client", .. var rest] ? await RunClientAsync(rest) : await RunServerAsync(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"interop: {ex.Message}");
    Console.Error.WriteLine(Usage);
    return 2;
}

static async Task<int> RunServerAsync(string[] args)
{
    var options = new InteropServerOptions();
    for (var i = 0; i < args.Length; i++)
    {
        switch (args[i])
        {
            case "--port":
                options.Port = int.TryParse(Value(args, ref i), NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= 65535
                    ? port : throw new ArgumentException($"--port must be a number from 0 to 65535 (got '{args[i]}').");
                break;
            case "--bind":
                options.BindAddress = IPAddress.TryParse(Value(args, ref i), out var ip) ? ip : throw new ArgumentException($"--bind must be an IP address (got '{args[i]}').");
                break;
            case "--gzip":
                options.GzipResponses = true;
                break;
            default:
                throw new ArgumentException($"unknown argument '{args[i]}'.");
        }
    }
    await using var app = InteropServerApp.Build(options);
    await app.StartAsync();
    Console.WriteLine($"interop-server: listening on {InteropServerApp.GetAddress(app).ToString().TrimEnd('/')} (h2c; grpc.testing.TestService, " +
        $"grpc.health.v1.Health, grpc.reflection.v1alpha.ServerReflection; gzip responses {(options.GzipResponses ? "on" : "off")}); Ctrl+C stops");
    await app.WaitForShutdownAsync();
    return 0;
}

static async Task<int> RunClientAsync(string[] args)
{
    string? server = null;
    var cases = new List<string>();
    for (var i = 0; i < args.Length; i++)
    {
        switch (args[i])
        {
            case "--server":
                server = Value(args, ref i);
                break;
            case "--case":
                cases.Add(Value(args, ref i));
                break;
            default:
                throw new ArgumentException($"unknown argument '{args[i]}'.");
        }
    }
    if (server is null)
    {
        throw new ArgumentException("--server HOST:PORT is required.");
    }
    if (cases.Count == 0)
    {
        cases.AddRange(InteropClient.Cases);
    }
    using var channel = GrpcChannel.ForAddress("http://" + server);
    var client = new InteropClient(channel.CreateCallInvoker());
    var failed = 0;
    foreach (var name in cases)
    {
        try
        {
            await client.RunAsync(name);
            Console.WriteLine($"PASS {name}");
        }
        catch (Exception ex) when (ex is InteropCaseFailedException or RpcException)
        {
            failed++;
            Console.WriteLine($"FAIL {name}: {ex.Message}");
        }
    }
    Console.WriteLine(failed == 0 ? $"interop client: all {cases.Count} cases passed" : $"interop client: {failed} of {cases.Count} cases failed");
    return failed == 0 ? 0 : 1;
}

static string Value(string[] args, ref int i) =>
    ++i < args.Length ? args[i] : throw new ArgumentException($"{args[i - 1]} needs a value.");
