using Npgsql;
using StackExchange.Redis;
using Tally.Definitions.V1;
using Tally.Grpc;
using Tally.Ingestion.V1;
using Tally.Query.V1;

namespace Tally.EndToEnd.Tests.Support;

/// <summary>
/// Tally in distributed mode for the tests: a database of this run's own on TALLY_TEST_POSTGRES, queues with this run's
/// prefix on TALLY_TEST_AMQP, a Redis process of its own, and five host processes: definitions, citations, ingestion,
/// query (Redis cache) and query-b (a second query process, in-memory cache, to show that every query process sees
/// every event). Tests may start more (<see cref="StartAsync"/>); everything started is stopped on dispose, also when
/// start-up failed half-way.
/// </summary>
public sealed class DistributedTally : IAsyncLifetime
{
    public const string PostgresVariable = "TALLY_TEST_POSTGRES";
    public const string AmqpVariable = "TALLY_TEST_AMQP";

    /// <summary>Test-only escape hatch: services (comma-separated) to run on SQLite instead of PostgreSQL.</summary>
    public const string SqliteServicesVariable = "TALLY_E2E_SQLITE_SERVICES";

    public static readonly TimeSpan ReadyWithin = TimeSpan.FromSeconds(180);

    private readonly List<ServiceProcess> _processes = [];
    private readonly List<GrpcChannel> _channels = [];
    private readonly Lock _gate = new();
    private ConnectionMultiplexer? _redisClient;
    private bool _databaseCreated;

    public string RunId { get; } = Guid.NewGuid().ToString("N")[..10];

    /// <summary>The service token the four hosts share (Tally:Auth:ServiceToken).</summary>
    public string ServiceToken { get; } = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    public string WorkDirectory { get; } = Path.Combine(Path.GetTempPath(), "tally-e2e-" + Guid.NewGuid().ToString("N")[..8]);

    public string Database => $"tally_e2e_{RunId}";

    public string KeyPrefix => $"tally-e2e:{RunId}:";

    public RedisProcess Redis { get; private set; } = null!;

    public ServiceProcess Definitions { get; private set; } = null!;

    public ServiceProcess Citations { get; private set; } = null!;

    public ServiceProcess Ingestion { get; private set; } = null!;

    /// <summary>The query front, with the Redis answer cache.</summary>
    public ServiceProcess Query { get; private set; } = null!;

    /// <summary>A second query process with an in-memory cache.</summary>
    public ServiceProcess QueryB { get; private set; } = null!;

    /// <summary>A client of the tests' Redis (to look at keys).</summary>
    public IDatabase RedisDatabase => _redisClient!.GetDatabase();

    public async Task InitializeAsync()
    {
        if (EndToEndFactAttribute.SkipReason() is not null)
        {
            return; // every test skips, saying why
        }

        try
        {
            await StartEverythingAsync();
        }
        catch
        {
            await DisposeAsync(); // whatever did start is stopped, also when start-up fails half-way
            throw;
        }
    }

    private async Task StartEverythingAsync()
    {
        Directory.CreateDirectory(WorkDirectory);
        Redis = await RedisProcess.StartAsync(Ports.Next(), TimeSpan.FromSeconds(20));
        _redisClient = await ConnectionMultiplexer.ConnectAsync(Redis.Configuration);
        await using (var connection = new NpgsqlConnection(Environment.GetEnvironmentVariable(PostgresVariable)))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{Database}\"", connection);
            await create.ExecuteNonQueryAsync();
            _databaseCreated = true;
        }

        // Ports first: every process is told where the others answer before any of them starts.
        foreach (var service in CoreServices)
        {
            _addresses[service] = (Ports.Next(), Ports.Next());
        }

        Definitions = Start("definitions", "definitions", _addresses["definitions"]);
        Citations = Start("citations", "citations", _addresses["citations"]);
        Ingestion = Start("ingestion", "ingestion", _addresses["ingestion"]);
        Query = Start("query", "query", _addresses["query"]);
        QueryB = Start("query", "query-b", (Ports.Next(), Ports.Next()), new() { ["Tally__Cache__Provider"] = "memory" });
        await Task.WhenAll(_processes.Select(p => p.WaitReadyAsync(ReadyWithin)));
    }

    /// <summary>Starts one more host (addresses of the others as in the fixture unless overridden) and waits until it is ready.</summary>
    public async Task<ServiceProcess> StartAsync(string service, string name, Dictionary<string, string>? overrides = null)
    {
        var process = Start(service, name, (Ports.Next(), Ports.Next()), overrides);
        await process.WaitReadyAsync(ReadyWithin);
        return process;
    }

    public QueryService.QueryServiceClient QueryClient(ServiceProcess process) => new(Channel(process).CreateCallInvoker());

    public MetricDefinitionService.MetricDefinitionServiceClient DefinitionsClient() => new(Channel(Definitions).CreateCallInvoker());

    public IngestionService.IngestionServiceClient IngestionClient() => new(Channel(Ingestion).CreateCallInvoker());

    /// <summary>Stops every process started, drops the database, removes the work folder. Safe to call twice.</summary>
    public async Task DisposeAsync()
    {
        List<ServiceProcess> processes;
        lock (_gate)
        {
            processes = [.. _processes];
            _processes.Clear();
            foreach (var channel in _channels)
            {
                channel.Dispose();
            }

            _channels.Clear();
        }

        foreach (var process in processes)
        {
            try
            {
                await process.DisposeAsync();
            }
            catch (TimeoutException)
            {
                // a zombie cannot be helped; the others must still stop
            }
        }

        _redisClient?.Dispose();
        _redisClient = null;
        Redis?.Dispose();
        Redis = null!;
        if (_databaseCreated)
        {
            _databaseCreated = false;
            await using var connection = new NpgsqlConnection(Environment.GetEnvironmentVariable(PostgresVariable));
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Database}\" WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }

        try
        {
            Directory.Delete(WorkDirectory, recursive: true);
        }
        catch (IOException)
        {
            // logs of a process that is still going away; the temp folder is cleaned up by the system
        }
    }

    private GrpcChannel Channel(ServiceProcess process)
    {
        var channel = GrpcChannel.ForAddress(process.Address, new GrpcChannelOptions { MaxReceiveMessageSize = 64 * 1024 * 1024 });
        lock (_gate)
        {
            _channels.Add(channel);
        }

        return channel;
    }

    private static readonly string[] CoreServices = ["definitions", "citations", "ingestion", "query"];

    private readonly Dictionary<string, (int Grpc, int Http)> _addresses = new(StringComparer.Ordinal);

    private ServiceProcess Start(string service, string name, (int Grpc, int Http) ports, Dictionary<string, string>? overrides = null)
    {
        var sqlite = (Environment.GetEnvironmentVariable(SqliteServicesVariable) ?? string.Empty)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Contains(service, StringComparer.Ordinal);
        var storage = new NpgsqlConnectionStringBuilder(Environment.GetEnvironmentVariable(PostgresVariable)) { Database = Database };
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Tally__Storage__Provider"] = sqlite ? "sqlite" : "postgres",
            ["Tally__Storage__ConnectionString"] = storage.ConnectionString,
            ["Tally__Storage__DataDirectory"] = Path.Combine(WorkDirectory, name, "data"),
            ["Tally__Bus__Transport"] = "rabbitmq",
            // One service token for the four (background calls, key checks); loopback callers edit without a key.
            ["Tally__Auth__ServiceToken"] = ServiceToken,
            ["Tally__Auth__AnonymousLoopbackRole"] = "editor",
            ["Tally__Bus__RabbitMqUri"] = Environment.GetEnvironmentVariable(AmqpVariable)!,
            ["Tally__Bus__QueuePrefix"] = $"tally-e2e-{RunId}",
            ["Tally__Cache__Provider"] = "redis",
            ["Tally__Cache__Redis"] = Redis.Configuration,
            ["Tally__Cache__KeyPrefix"] = KeyPrefix,
            // Production reads Redis for at most 50 ms; a machine this loaded can stall a process longer than that, which
            // would turn a hit into a (correct, counted) bypass and make the cache assertions flaky. Freezes last seconds.
            ["Tally__Cache__Timeout"] = "00:00:02",
            ["Tally__Cache__BreakDuration"] = "00:00:01",
        };
        foreach (var (other, (grpc, _)) in _addresses)
        {
            environment[$"Tally__Services__{char.ToUpperInvariant(other[0])}{other[1..]}"] = $"http://127.0.0.1:{grpc}";
        }

        foreach (var (key, value) in overrides ?? [])
        {
            environment[key] = value;
        }

        var process = ServiceProcess.Start(service, name, environment, ports.Grpc, ports.Http, Path.Combine(WorkDirectory, name));
        lock (_gate)
        {
            _processes.Add(process);
        }

        return process;
    }
}
