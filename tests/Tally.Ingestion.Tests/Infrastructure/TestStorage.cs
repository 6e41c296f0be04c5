using Dapper;
using Microsoft.Data.Sqlite;
using Tally.Storage;

namespace Tally.TestSupport;

/// <summary>
/// A service database for storage tests, on either dialect: a SQLite file in a temporary folder, or a PostgreSQL
/// schema of its own on TALLY_TEST_POSTGRES (dropped afterwards). The same assertions run against both.
/// </summary>
internal sealed class TestStorage : IAsyncDisposable
{
    private readonly string? _directory;

    private TestStorage(ServiceDatabase database, string? directory)
    {
        Database = database;
        _directory = directory;
    }

    public ServiceDatabase Database { get; }

    public static TestStorage Sqlite(string owner)
    {
        var directory = Directory.CreateTempSubdirectory("tally-storage-").FullName;
        return new TestStorage(new ServiceDatabase(owner, new StorageOptions { Provider = "sqlite", DataDirectory = directory }), directory);
    }

    /// <summary>Owner (= schema) "<paramref name="prefix"/>_" plus a unique suffix.</summary>
    public static TestStorage Postgres(string prefix) =>
        new(new ServiceDatabase(prefix + "_" + Guid.NewGuid().ToString("N")[..12],
            new StorageOptions { Provider = "postgres", ConnectionString = Environment.GetEnvironmentVariable("TALLY_TEST_POSTGRES") }), null);

    public async ValueTask DisposeAsync()
    {
        if (Database.Dialect == SqlDialect.Postgres)
        {
            await using (var connection = await Database.OpenAsync())
            {
                await connection.ExecuteAsync($"DROP SCHEMA IF EXISTS \"{Database.Owner}\" CASCADE");
            }

            await Database.DisposeAsync();
            return;
        }

        await Database.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory!, recursive: true);
    }
}

/// <summary>A fact that needs PostgreSQL (TALLY_TEST_POSTGRES); skipped, saying so, when it is not configured.</summary>
internal sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("TALLY_TEST_POSTGRES")))
        {
            Skip = "TALLY_TEST_POSTGRES is not set (run scripts/infra-up.sh postgres and source $TALLY_INFRA_DIR/env): the PostgreSQL variant did not run.";
        }
    }
}
