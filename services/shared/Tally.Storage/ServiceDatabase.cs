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
    private readonly int _pageSize;

    /// <summary>SQLite's own default page size.</summary>
    public const int DefaultSqlitePageSize = 4096;

    /// <param name="owner">The owning service: the SQLite file's name, or the PostgreSQL schema.</param>
    /// <param name="options">Where the database lives.</param>
    /// <param name="sqlitePageSize">
    /// SQLite page size in bytes for a database created from now on (a power of two, 512 to 65,536; an existing file keeps
    /// its own). Larger pages suit a database of large tables that are bulk-loaded and scanned.
    /// </param>
    public ServiceDatabase(string owner, StorageOptions options, int sqlitePageSize = DefaultSqlitePageSize)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(owner);
        ArgumentNullException.ThrowIfNull(options);
        if (sqlitePageSize is < 512 or > 65536 || !int.IsPow2(sqlitePageSize))
        {
            throw new ArgumentOutOfRangeException(nameof(sqlitePageSize), sqlitePageSize, "a SQLite page size is a power of two from 512 to 65,536");
        }

        Owner = owner;
        _pageSize = sqlitePageSize;
        switch (options.Provider)
        {
            case "sqlite":
                Dialect = SqlDialect.Sqlite;
                if (options.InMemory)
                {
                    var name = $"tally-{owner}-{Guid.NewGuid():N}";
                    _connectionString = $"Data Source={name};Mode=Memory;Cache=Shared";
                    SqliteOpenName = ($"file:{name}?mode=memory&cache=shared", true);
                    // A shared in-memory database lives as long as one connection stays open.
                    _keepAlive = new SqliteConnection(_connectionString);
                    _keepAlive.Open();
                }
                else
                {
                    Directory.CreateDirectory(options.DataDirectory);
                    var file = Path.GetFullPath(Path.Combine(options.DataDirectory, owner + ".db"));
                    SqliteOpenName = (file, false);
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

    /// <summary>
    /// SQLite only (null for PostgreSQL): the name sqlite3_open_v2 opens this database by (the file's full path, or a
    /// URI naming the shared in-memory database) and whether it is a URI. For code that drives SQLite directly; such a
    /// connection must set what <see cref="OpenAsync"/> sets (WAL, busy timeout).
    /// </summary>
    public (string Name, bool IsUri)? SqliteOpenName { get; }

    /// <summary>Milliseconds a SQLite connection waits for another's write lock before it fails with SQLITE_BUSY.</summary>
    public const int SqliteBusyTimeoutMs = 5000;

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
        // WAL + NORMAL: readers never block the writer, and a commit costs no fsync of the main file. The page size only
        // takes effect on a new, empty database, so it comes first (switching to WAL writes the file's header).
        pragma.CommandText = $"PRAGMA page_size = {_pageSize}; " + (_keepAlive is null
            ? $"PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {SqliteBusyTimeoutMs};"
            : $"PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {SqliteBusyTimeoutMs};");
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
