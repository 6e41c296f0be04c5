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
    public static async Task<int> ApplyAsync(
        ServiceDatabase database, IReadOnlyList<Migration> migrations, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(migrations);
        for (var i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].Version != i + 1)
            {
                throw new InvalidOperationException(
                    $"Migrations of '{database.Owner}' must be numbered 1..n in order; found {migrations[i].Version} at position {i + 1}.");
            }
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        if (database.Dialect == SqlDialect.Postgres)
        {
            await connection.ExecuteAsync($"CREATE SCHEMA IF NOT EXISTS \"{database.Owner}\"");
        }

        await connection.ExecuteAsync(
            "CREATE TABLE IF NOT EXISTS schema_history (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)");
        var applied = (await connection.QueryAsync<int>("SELECT version FROM schema_history")).ToHashSet();
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
                "INSERT INTO schema_history (version, name, applied_at) VALUES (@Version, @Name, @At)",
                new { migration.Version, migration.Name, At = DateTimeOffset.UtcNow.ToString("O") },
                tx);
            await tx.CommitAsync(cancellationToken);
            count++;
        }

        return count;
    }
}
