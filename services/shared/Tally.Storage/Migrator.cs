using System.Data.Common;
using Dapper;

namespace Tally.Storage;

/// <summary>One forward-only schema step, written once per dialect.</summary>
/// <param name="Version">Strictly increasing, starting at 1.</param>
/// <param name="Name">Short description, recorded in the history table.</param>
/// <param name="Sqlite">Statements for SQLite.</param>
/// <param name="Postgres">Statements for PostgreSQL (run with search_path set to the owner's schema).</param>
public sealed record Migration(int Version, string Name, string Sqlite, string Postgres);

/// <summary>Applies a service's migrations at start, each in its own transaction, and records them.</summary>
public static class Migrator
{
    /// <summary>The history table of a service's own migrations.</summary>
    public const string DefaultHistoryTable = "schema_history";

    /// <summary>Applies <paramref name="migrations"/> not yet recorded in <see cref="DefaultHistoryTable"/>; returns how many ran.</summary>
    public static Task<int> ApplyAsync(
        ServiceDatabase database, IReadOnlyList<Migration> migrations, CancellationToken cancellationToken = default) =>
        ApplyAsync(database, migrations, DefaultHistoryTable, cancellationToken);

    /// <summary>
    /// Applies <paramref name="migrations"/> not yet recorded in <paramref name="historyTable"/>. A shared library that
    /// keeps tables in every owner's database (the bus outbox) numbers its migrations in a history table of its own,
    /// so they never collide with the owner's. On PostgreSQL an advisory lock per schema and history table makes
    /// replicas starting together apply each migration once.
    /// </summary>
    public static async Task<int> ApplyAsync(
        ServiceDatabase database, IReadOnlyList<Migration> migrations, string historyTable, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(migrations);
        if (string.IsNullOrEmpty(historyTable) || !historyTable.All(c => c is (>= 'a' and <= 'z') or '_'))
        {
            throw new ArgumentException($"History table '{historyTable}' must be lower-case letters and underscores.", nameof(historyTable));
        }

        for (var i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].Version != i + 1)
            {
                throw new InvalidOperationException(
                    $"Migrations of '{database.Owner}' ({historyTable}) must be numbered 1..n in order; found {migrations[i].Version} at position {i + 1}.");
            }
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        var lockKey = $"tally-migrations:{database.Owner}:{historyTable}";
        if (database.Dialect == SqlDialect.Postgres)
        {
            await connection.ExecuteAsync($"CREATE SCHEMA IF NOT EXISTS \"{database.Owner}\"");
            await connection.ExecuteAsync("SELECT pg_advisory_lock(hashtext(@lockKey))", new { lockKey });
        }

        try
        {
            await connection.ExecuteAsync(
                $"CREATE TABLE IF NOT EXISTS {historyTable} (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)");
            var applied = (await connection.QueryAsync<int>($"SELECT version FROM {historyTable}")).ToHashSet();
            var count = 0;
            foreach (var migration in migrations)
            {
                if (applied.Contains(migration.Version))
                {
                    continue;
                }

                await using DbTransaction tx = await connection.BeginTransactionAsync(cancellationToken);
                var sql = database.Dialect == SqlDialect.Sqlite ? migration.Sqlite : migration.Postgres;
                await connection.ExecuteAsync(sql, transaction: tx);
                await connection.ExecuteAsync(
                    $"INSERT INTO {historyTable} (version, name, applied_at) VALUES (@Version, @Name, @At)",
                    new { migration.Version, migration.Name, At = DateTimeOffset.UtcNow.ToString("O") },
                    tx);
                await tx.CommitAsync(cancellationToken);
                count++;
            }

            return count;
        }
        finally
        {
            if (database.Dialect == SqlDialect.Postgres)
            {
                try
                {
                    await connection.ExecuteAsync("SELECT pg_advisory_unlock(hashtext(@lockKey))", new { lockKey });
                }
                catch (DbException)
                {
                    // The session broke; a session's advisory locks end with it.
                }
            }
        }
    }
}
