using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Tally.Storage;

/// <summary>The SQL dialects Tally's migrations and queries are written for.</summary>
public enum SqlDialect
{
    Sqlite,
    Postgres,
}

/// <summary>
/// One service's database: its own SQLite file (embedded default) or its own PostgreSQL schema.
/// Services never share tables; each opens connections only through its own instance.
/// </summary>
public sealed class ServiceDatabase : IAsyncDisposable
{
    private readonly string _connectionString;
    private readonly SqliteConnection? _keepAlive;
    private readonly NpgsqlDataSource? _dataSource;

    public ServiceDatabase(string owner, StorageOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(owner);
        ArgumentNullException.ThrowIfNull(options);
        Owner = owner;
        switch (options.Provider)
        {
            case "sqlite":
                Dialect = SqlDialect.Sqlite;
                if (options.InMemory)
                {
                    _connectionString = $"Data Source=tally-{owner}-{Guid.NewGuid():N};Mode=Memory;Cache=Shared";
                    // A shared in-memory database lives as long as one connection stays open.
                    _keepAlive = new SqliteConnection(_connectionString);
                    _keepAlive.Open();
                }
                else
                {
                    Directory.CreateDirectory(options.DataDirectory);
                    var file = Path.GetFullPath(Path.Combine(options.DataDirectory, owner + ".db"));
                    _connectionString = new SqliteConnectionStringBuilder
                    {
                        DataSource = file,
                        Cache = SqliteCacheMode.Private,
                        Pooling = true,
                    }.ToString();
                }
                break;
            case "postgres":
                Dialect = SqlDialect.Postgres;
                if (string.IsNullOrWhiteSpace(options.ConnectionString))
                {
                    throw new InvalidOperationException(
                        "Tally:Storage:ConnectionString is required when Tally:Storage:Provider is 'postgres'.");
                }
                var builder = new NpgsqlConnectionStringBuilder(options.ConnectionString) { SearchPath = owner };
                _connectionString = builder.ConnectionString;
                _dataSource = NpgsqlDataSource.Create(builder);
                break;
            default:
                throw new InvalidOperationException(
                    $"Tally:Storage:Provider '{options.Provider}' is not supported; use 'sqlite' or 'postgres'.");
        }
    }

    /// <summary>The owning service; also the PostgreSQL schema name.</summary>
    public string Owner { get; }

    public SqlDialect Dialect { get; }

    /// <summary>Opens a connection, ready to use (SQLite: WAL, foreign keys, busy timeout).</summary>
    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        if (_dataSource is not null)
        {
            return await _dataSource.OpenConnectionAsync(cancellationToken);
        }

        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var pragma = connection.CreateCommand();
        // WAL + NORMAL: readers never block the writer, and a commit costs no fsync of the main file.
        pragma.CommandText = _keepAlive is null
            ? "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;"
            : "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;";
        await pragma.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        if (_keepAlive is not null)
        {
            await _keepAlive.DisposeAsync();
        }

        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }
    }
}
