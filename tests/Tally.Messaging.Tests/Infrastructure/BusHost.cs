using System.Data.Common;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Dapper;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Tally.Hosting;
using Tally.Messaging.Outbox;
using Tally.Messaging.Tests.Events;
using Tally.Storage;
using Tally.Testing;

namespace Tally.Messaging.Tests.Infrastructure;

/// <summary>Where a test keeps the owner's database, so that a second host (a "restarted process") finds it again.</summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private TestDatabase(string provider, string owner, string? directory)
    {
        Provider = provider;
        Owner = owner;
        Directory = directory;
    }

    public string Provider { get; }

    /// <summary>The owner: SQLite file name, PostgreSQL schema (unique per test).</summary>
    public string Owner { get; }

    public string? Directory { get; }

    public static TestDatabase Sqlite() =>
        new("sqlite", "things", System.IO.Directory.CreateTempSubdirectory("tally-bus-").FullName);

    public static TestDatabase Postgres() =>
        new("postgres", "bustest_" + Guid.NewGuid().ToString("N")[..12], null);

    public static TestDatabase For(string provider) => provider == "postgres" ? Postgres() : Sqlite();

    public StorageOptions Options => Provider == "postgres"
        ? new StorageOptions { Provider = "postgres", ConnectionString = TestEnvironment.Postgres }
        : new StorageOptions { Provider = "sqlite", DataDirectory = Directory! };

    public IDictionary<string, string?> Settings => Provider == "postgres"
        ? new Dictionary<string, string?> { ["Tally:Storage:Provider"] = "postgres", ["Tally:Storage:ConnectionString"] = TestEnvironment.Postgres }
        : new Dictionary<string, string?> { ["Tally:Storage:Provider"] = "sqlite", ["Tally:Storage:DataDirectory"] = Directory };

    /// <summary>A database of its own (not the host's), migrated like the host's: owner tables and bus tables.</summary>
    public async Task<ServiceDatabase> OpenMigratedAsync()
    {
        var database = new ServiceDatabase(Owner, Options);
        await Migrator.ApplyAsync(database, ThingMigrations.All);
        await OutboxMigrations.ApplyAsync(database);
        return database;
    }

    public async ValueTask DisposeAsync()
    {
        if (Provider == "postgres")
        {
            await using var database = new ServiceDatabase(Owner, Options);
            await using var connection = await database.OpenAsync();
            await connection.ExecuteAsync($"DROP SCHEMA IF EXISTS \"{Owner}\" CASCADE");
        }
        else
        {
            SqliteConnection.ClearAllPools();
            System.IO.Directory.Delete(Directory!, recursive: true);
        }
    }
}

/// <summary>
/// A real host on loopback (service defaults: gRPC and HTTP ports, /metrics), one owner's database with the
/// "things" tables and the outbox, the bus (in-memory or RabbitMQ with a queue prefix of its own) and the
/// ThingChanged consumer.
/// </summary>
public sealed partial class BusHost : IAsyncDisposable
{
    /// <summary>The DI key of the owner's database and outbox (the owner name itself differs per test).</summary>
    public const string OwnerKey = "things";

    private readonly WebApplication _app;

    private BusHost(WebApplication app, TestDatabase database, string queuePrefix, Uri httpBase)
    {
        _app = app;
        TestDatabase = database;
        QueuePrefix = queuePrefix;
        HttpBase = httpBase;
    }

    public IServiceProvider Services => _app.Services;

    public TestDatabase TestDatabase { get; }

    public string QueuePrefix { get; }

    public Uri HttpBase { get; }

    public ServiceDatabase Database => Services.GetRequiredKeyedService<ServiceDatabase>(OwnerKey);

    public TransactionalOutbox Outbox => Services.GetRequiredKeyedService<TransactionalOutbox>(OwnerKey);

    public Deliveries Deliveries => Services.GetRequiredService<Deliveries>();

    public OutboxRelay Relay => Services.GetServices<IHostedService>().OfType<OutboxRelay>().Single();

    /// <summary>The consumer's queue (and, with "_error", its error queue) on RabbitMQ.</summary>
    public string ConsumerQueue => new KebabCaseEndpointNameFormatter(QueuePrefix, false).Consumer<ThingChangedConsumer>();

    /// <summary>Starts a host. <paramref name="transport"/>: "inmemory" or "rabbitmq" (TALLY_TEST_AMQP).</summary>
    public static async Task<BusHost> StartAsync(TestDatabase database, string transport = "inmemory", string? queuePrefix = null,
        IDictionary<string, string?>? settings = null)
    {
        var (grpcPort, httpPort) = FreePorts.Two();
        queuePrefix ??= "t" + Guid.NewGuid().ToString("N")[..10];
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            // These tests exercise the services, not authentication (tests/Tally.Security.Tests does): callers on loopback edit.
            ["Tally:Auth:AnonymousLoopbackRole"] = "editor",
            ["Tally:Host:GrpcPort"] = grpcPort.ToString(CultureInfo.InvariantCulture),
            ["Tally:Host:HttpPort"] = httpPort.ToString(CultureInfo.InvariantCulture),
            ["Tally:Host:ServiceName"] = "bus-test",
            ["Tally:Bus:Transport"] = transport,
            ["Tally:Bus:RabbitMqUri"] = TestEnvironment.Amqp,
            ["Tally:Bus:QueuePrefix"] = queuePrefix,
            ["Tally:Bus:Outbox:PollInterval"] = "00:00:00.500",
            ["Tally:Bus:Outbox:PublishTimeout"] = "00:00:03",
            ["Tally:Bus:Outbox:RetryMaxDelay"] = "00:00:02",
            ["Logging:LogLevel:Default"] = Environment.GetEnvironmentVariable("TEST_LOG") ?? "Warning",
        });
        builder.Configuration.AddInMemoryCollection(database.Settings);
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.AddServiceDefaults();
        // The owner's name differs per test (PostgreSQL schema); the services find it under one key.
        builder.Services.AddServiceDatabase(database.Owner, ThingMigrations.All);
        builder.Services.AddOutbox(database.Owner);
        if (database.Owner != OwnerKey)
        {
            builder.Services.AddKeyedSingleton(OwnerKey, (sp, _) => sp.GetRequiredKeyedService<ServiceDatabase>(database.Owner));
            builder.Services.AddKeyedSingleton(OwnerKey, (sp, _) => sp.GetRequiredKeyedService<TransactionalOutbox>(database.Owner));
        }

        builder.Services.AddSingleton<Deliveries>();
        builder.Services.AddTallyBus(builder.Configuration, bus => bus.AddConsumer<ThingChangedConsumer, ThingChangedConsumerDefinition>());
        var app = builder.Build();
        app.MapServiceDefaults();
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return new BusHost(app, database, queuePrefix, new Uri($"http://127.0.0.1:{httpPort}"));
    }

    /// <summary>Writes thing <paramref name="number"/> and its ThingChanged in one transaction; <paramref name="failBeforeCommit"/> throws after both inserts.</summary>
    public Task<ThingChanged> ChangeAsync(string run, int number, bool failBeforeCommit = false) =>
        ChangeAsync(Database, Outbox, run, number, failBeforeCommit);

    /// <summary>The same with any database and outbox (a process without a relay).</summary>
    public static async Task<ThingChanged> ChangeAsync(ServiceDatabase database, TransactionalOutbox outbox, string run, int number, bool failBeforeCommit = false)
    {
        var message = new ThingChanged { EventId = Guid.NewGuid(), Run = run, Number = number };
        await using var connection = await database.OpenAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await connection.ExecuteAsync("INSERT INTO things (run, number) VALUES (@run, @number)", new { run, number }, tx);
        await outbox.AddAsync(tx, message);
        if (failBeforeCommit)
        {
            throw new InjectedFailureException($"failure injected after the outbox insert of thing {number}, before the commit");
        }

        await outbox.CommitAsync(tx);
        return message;
    }

    /// <summary>Rows of a table of the run (things, thing_effects) and the outbox, read directly.</summary>
    public async Task<long> CountAsync(string sql, object? parameters = null)
    {
        await using var connection = await Database.OpenAsync();
        return await connection.ExecuteScalarAsync<long>(sql, parameters);
    }

    public async Task<string> ScrapeAsync()
    {
        using var http = new HttpClient { BaseAddress = HttpBase, Timeout = TimeSpan.FromSeconds(10) };
        return await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
    }

    /// <summary>The value of one series in a scrape (0 when it is absent); <paramref name="labels"/> as rendered, e.g. message_type="ThingChanged".</summary>
    public async Task<double> MetricAsync(string name, params string[] labels)
    {
        var text = await ScrapeAsync();
        foreach (var line in text.Split('\n'))
        {
            var match = SeriesLine().Match(line);
            if (match.Success && match.Groups["name"].Value == name && labels.All(l => match.Groups["labels"].Value.Contains(l, StringComparison.Ordinal)))
            {
                return double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    /// <summary>Waits (bounded) until the metric reaches <paramref name="expected"/>; returns the last value read.</summary>
    public async Task<double> WaitForMetricAsync(string name, Func<double, bool> expected, params string[] labels)
    {
        var until = DateTime.UtcNow.AddSeconds(60);
        double value;
        while (!expected(value = await MetricAsync(name, labels)) && DateTime.UtcNow < until)
        {
            await Task.Delay(100);
        }

        return value;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>\S+)$")]
    private static partial Regex SeriesLine();
}

public sealed class InjectedFailureException(string message) : Exception(message);
