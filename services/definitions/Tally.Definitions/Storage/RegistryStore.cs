using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Dapper;
using Google.Protobuf;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;
using Microsoft.Extensions.DependencyInjection;
using Tally.Contracts.Events;
using Tally.Definitions.Access;
using Tally.Definitions.Model;
using Tally.Definitions.V1;
using Tally.Messaging.Outbox;
using Tally.Storage;

namespace Tally.Definitions.Storage;

/// <summary>Where a version came from.</summary>
public enum VersionOrigin
{
    /// <summary>Imported from the bundled catalog at start.</summary>
    Catalog,

    /// <summary>Written through UpsertMetric.</summary>
    Api,
}

/// <summary>A stored version: the definition (with version and audit fields set), its content hash and origin.</summary>
public sealed record StoredMetric(MetricDefinition Definition, string ContentHash, VersionOrigin Origin);

/// <summary>Everything the read model is built from, read in one transaction.</summary>
public sealed record RegistryData(int CatalogVersion, IReadOnlyList<StoredMetric> Metrics, IReadOnlyList<Relation> Relations, IReadOnlyList<GlossaryEntry> Glossary);

/// <summary>Thrown when a metric's current version is not the one a change was based on.</summary>
public sealed class VersionConflictException(string metricId, int expected, int actual)
    : Exception($"Metric '{metricId}' is at version {actual}, not {expected}.")
{
    public string MetricId { get; } = metricId;

    public int Expected { get; } = expected;

    public int Actual { get; } = actual;
}

/// <summary>
/// The registry's tables (see <see cref="DefinitionsMigrations"/>). Versions are append-only; every change also
/// appends to registry_changes, whose highest id is the catalog version caches key on. Writes are serialised in
/// process and guarded by the (metric_id, version) key across processes. A version's change event goes into the
/// service's outbox in the transaction that stores the version.
/// </summary>
public sealed class RegistryStore(
    [FromKeyedServices(DefinitionsMigrations.Owner)] ServiceDatabase database,
    TimeProvider clock,
    [FromKeyedServices(DefinitionsMigrations.Owner)] TransactionalOutbox? outbox = null) : IDisposable
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithPreserveProtoFieldNames(true));
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    private const string VersionColumns = "metric_id AS MetricId, version AS Version, definition AS Definition, content_hash AS ContentHash, " +
                                          "created_at AS CreatedAt, created_by AS CreatedBy, origin AS Origin, change_note AS ChangeNote";

    public void Dispose() => _writeLock.Dispose();

    public async Task<int> CatalogVersionAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await CatalogVersionAsync(connection, null);
    }

    public async Task<RegistryData> LoadAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        var version = await CatalogVersionAsync(connection, tx);
        var rows = await connection.QueryAsync<VersionRow>(
            $"SELECT {VersionColumns} FROM metric_versions v WHERE version = (SELECT MAX(version) FROM metric_versions w WHERE w.metric_id = v.metric_id) ORDER BY metric_id",
            transaction: tx);
        var relations = await connection.QueryAsync<RelationRow>(
            "SELECT from_metric_id AS FromMetricId, to_metric_id AS ToMetricId, type AS Type, reason AS Reason, caveat AS Caveat FROM relations " +
            "ORDER BY from_metric_id, to_metric_id, type", transaction: tx);
        var glossary = await connection.QueryAsync<GlossaryRow>(
            "SELECT term AS Term, kind AS Kind, concept AS Concept, alternatives AS Alternatives, notes AS Notes FROM glossary_entries ORDER BY term, kind",
            transaction: tx);
        await tx.CommitAsync(cancellationToken);
        return new RegistryData(version, rows.Select(r => r.ToStored()).ToArray(), relations.Select(r => r.ToProto()).ToArray(),
            glossary.Select(g => g.ToProto()).ToArray());
    }

    /// <summary>One version of a metric, or null.</summary>
    public async Task<StoredMetric?> GetVersionAsync(string metricId, int version, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<VersionRow>(
            $"SELECT {VersionColumns} FROM metric_versions WHERE metric_id = @metricId AND version = @version", new { metricId, version });
        return row?.ToStored();
    }

    /// <summary>The versions a metric has, ascending (empty for an unknown id).</summary>
    public async Task<IReadOnlyList<int>> VersionNumbersAsync(string metricId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<int>("SELECT version FROM metric_versions WHERE metric_id = @metricId ORDER BY version", new { metricId })).ToArray();
    }

    /// <summary>
    /// Imports catalog definitions in one transaction. A definition gets a new version only when its content differs
    /// from the latest version imported from the catalog and from the latest version overall; returns the ids written.
    /// </summary>
    public async Task<IReadOnlyList<string>> ImportAsync(IReadOnlyList<MetricDefinition> definitions, string changedBy,
        Func<int, string> changeNote, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definitions);
        ArgumentNullException.ThrowIfNull(changeNote);
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            await using var tx = await connection.BeginTransactionAsync(cancellationToken);
            const string latestOf = "SELECT v.metric_id AS MetricId, v.version AS Version, v.content_hash AS ContentHash FROM metric_versions v " +
                                    "JOIN (SELECT metric_id, MAX(version) AS version FROM metric_versions {0} GROUP BY metric_id) m " +
                                    "ON v.metric_id = m.metric_id AND v.version = m.version";
            var latest = (await connection.QueryAsync<HashRow>(string.Format(CultureInfo.InvariantCulture, latestOf, ""), transaction: tx))
                .ToDictionary(r => r.MetricId, StringComparer.Ordinal);
            var latestCatalog = (await connection.QueryAsync<HashRow>(string.Format(CultureInfo.InvariantCulture, latestOf, "WHERE origin = 'catalog'"), transaction: tx))
                .ToDictionary(r => r.MetricId, r => r.ContentHash, StringComparer.Ordinal);
            var written = new List<string>();
            var now = clock.GetUtcNow();
            foreach (var definition in definitions)
            {
                var hash = DefinitionHash.Compute(definition);
                var current = latest.GetValueOrDefault(definition.Id);
                if (current is not null && (hash == current.ContentHash || hash == latestCatalog.GetValueOrDefault(definition.Id)))
                {
                    continue;
                }

                var version = checked((int)(current?.Version ?? 0));
                await InsertVersionAsync(connection, tx, definition, VersionOrigin.Catalog, changedBy, changeNote(version), version, now);
                written.Add(definition.Id);
            }

            await tx.CommitAsync(cancellationToken);
            return written;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// Stores <paramref name="definition"/> as the version after <paramref name="expectedCurrent"/> (0: a new metric).
    /// Throws <see cref="VersionConflictException"/> when the metric's current version is another. With
    /// <paramref name="changeEvent"/>, the event it makes of the stored version and the new catalog version is added to
    /// the outbox in the same transaction: the version is never stored without its event, nor the event without it.
    /// </summary>
    public async Task<(StoredMetric Stored, int CatalogVersion)> AppendVersionAsync(
        MetricDefinition definition, VersionOrigin origin, string changedBy, string changeNote, int expectedCurrent,
        Func<StoredMetric, int, object>? changeEvent = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (changeEvent is not null && outbox is null)
        {
            throw new InvalidOperationException("This RegistryStore has no outbox, so it cannot store a change event (register it with AddOutbox).");
        }

        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            await using var tx = await connection.BeginTransactionAsync(cancellationToken);
            var current = await connection.ExecuteScalarAsync<int?>(
                "SELECT MAX(version) FROM metric_versions WHERE metric_id = @Id", new { definition.Id }, tx) ?? 0;
            if (current != expectedCurrent)
            {
                throw new VersionConflictException(definition.Id, expectedCurrent, current);
            }

            (StoredMetric Stored, long ChangeId) result;
            try
            {
                result = await InsertVersionAsync(connection, tx, definition, origin, changedBy, changeNote, current, clock.GetUtcNow());
            }
            catch (DbException)
            {
                // Another process may have stored a version between our read and our insert.
                await tx.RollbackAsync(cancellationToken);
                var actual = await CurrentVersionAsync(definition.Id, cancellationToken);
                if (actual != expectedCurrent)
                {
                    throw new VersionConflictException(definition.Id, expectedCurrent, actual);
                }

                throw;
            }

            var catalogVersion = checked((int)result.ChangeId);
            if (changeEvent is not null)
            {
                var announced = changeEvent(result.Stored, catalogVersion);
                await outbox!.AddAsync(tx, announced, cancellationToken);
                if (announced is MetricDefinitionChanged changed)
                {
                    // The change's audit entry commits with it (keyed by the event id, like the trail's other entries).
                    await AuditTrail.AppendAsync(connection, tx, AuditRecords.From(changed), cancellationToken);
                }

                await outbox.CommitAsync(tx, cancellationToken);
            }
            else
            {
                await tx.CommitAsync(cancellationToken);
            }

            return (result.Stored, catalogVersion);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Replaces all relations when their hash differs from the stored one; true when something changed.</summary>
    public Task<bool> ReplaceRelationsAsync(IReadOnlyList<Relation> relations, string changedBy, CancellationToken cancellationToken = default) =>
        ReplaceAsync("relations", Hash(relations), changedBy, $"{relations.Count} relations", async (connection, tx) =>
        {
            await connection.ExecuteAsync("DELETE FROM relations", transaction: tx);
            await connection.ExecuteAsync(
                "INSERT INTO relations (from_metric_id, to_metric_id, type, reason, caveat) VALUES (@FromMetricId, @ToMetricId, @Type, @Reason, @Caveat)",
                relations.Select(RelationRow.From), tx);
        }, cancellationToken);

    /// <summary>Replaces the glossary when its hash differs from the stored one; true when something changed.</summary>
    public Task<bool> ReplaceGlossaryAsync(IReadOnlyList<GlossaryEntry> entries, string changedBy, CancellationToken cancellationToken = default) =>
        ReplaceAsync("glossary", Hash(entries), changedBy, $"{entries.Count} glossary entries", async (connection, tx) =>
        {
            await connection.ExecuteAsync("DELETE FROM glossary_entries", transaction: tx);
            await connection.ExecuteAsync(
                "INSERT INTO glossary_entries (term, kind, concept, alternatives, notes) VALUES (@Term, @Kind, @Concept, @Alternatives, @Notes)",
                entries.Select(GlossaryRow.From), tx);
        }, cancellationToken);

    private async Task<bool> ReplaceAsync(string kind, string hash, string changedBy, string detail,
        Func<DbConnection, DbTransaction, Task> replace, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            await using var tx = await connection.BeginTransactionAsync(cancellationToken);
            var key = kind + "_hash";
            var stored = await connection.QuerySingleOrDefaultAsync<string>("SELECT value FROM registry_state WHERE key = @key", new { key }, tx);
            if (stored == hash)
            {
                return false;
            }

            await replace(connection, tx);
            await connection.ExecuteAsync(stored is null
                ? "INSERT INTO registry_state (key, value) VALUES (@key, @hash)"
                : "UPDATE registry_state SET value = @hash WHERE key = @key", new { key, hash }, tx);
            await AppendChangeAsync(connection, tx, kind, kind, detail, changedBy, clock.GetUtcNow());
            await tx.CommitAsync(cancellationToken);
            return true;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private static async Task<(StoredMetric Stored, long ChangeId)> InsertVersionAsync(DbConnection connection, DbTransaction tx,
        MetricDefinition definition, VersionOrigin origin, string changedBy, string changeNote, int current, DateTimeOffset now)
    {
        var stored = DefinitionHash.Content(definition);
        stored.Version = current + 1;
        stored.UpdatedAt = Timestamp.FromDateTimeOffset(now);
        stored.UpdatedBy = changedBy;
        stored.ChangeNote = changeNote;
        var hash = DefinitionHash.Compute(stored);
        var changeId = await AppendChangeAsync(connection, tx, "metric", definition.Id, $"version {stored.Version}", changedBy, now);
        await connection.ExecuteAsync(
            "INSERT INTO metric_versions (metric_id, version, definition, content_hash, created_at, created_by, origin, change_note, change_id) " +
            "VALUES (@Id, @Version, @Json, @Hash, @At, @By, @Origin, @Note, @ChangeId)",
            new
            {
                stored.Id, stored.Version, Json = Formatter.Format(stored), Hash = hash, At = Iso(now), By = changedBy,
                Origin = origin == VersionOrigin.Catalog ? "catalog" : "api", Note = changeNote, ChangeId = changeId,
            }, tx);
        return (new StoredMetric(stored, hash, origin), changeId);
    }

    private async Task<int> CurrentVersionAsync(string metricId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<int?>("SELECT MAX(version) FROM metric_versions WHERE metric_id = @metricId", new { metricId }) ?? 0;
    }

    private static async Task<int> CatalogVersionAsync(DbConnection connection, DbTransaction? tx) =>
        checked((int)await connection.ExecuteScalarAsync<long>("SELECT COALESCE(MAX(id), 0) FROM registry_changes", transaction: tx));

    private static Task<long> AppendChangeAsync(DbConnection connection, DbTransaction tx, string kind, string subject, string detail, string by, DateTimeOffset at) =>
        connection.ExecuteScalarAsync<long>(
            "INSERT INTO registry_changes (kind, subject, detail, changed_at, changed_by) VALUES (@kind, @subject, @detail, @at, @by) RETURNING id",
            new { kind, subject, detail, at = Iso(at), by }, tx);

    private static string Hash(IEnumerable<IMessage> messages)
    {
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var message in messages)
        {
            var bytes = message.ToByteArray();
            sha.AppendData(BitConverter.GetBytes(bytes.Length));
            sha.AppendData(bytes);
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    private sealed class HashRow
    {
        public string MetricId { get; set; } = "";
        public long Version { get; set; }
        public string ContentHash { get; set; } = "";
    }

    private sealed class VersionRow
    {
        public string MetricId { get; set; } = "";
        public long Version { get; set; }
        public string Definition { get; set; } = "";
        public string ContentHash { get; set; } = "";
        public string CreatedAt { get; set; } = "";
        public string CreatedBy { get; set; } = "";
        public string Origin { get; set; } = "";
        public string ChangeNote { get; set; } = "";

        public StoredMetric ToStored()
        {
            var definition = Parser.Parse<MetricDefinition>(Definition);
            definition.Id = MetricId;
            definition.Version = checked((int)Version);
            definition.UpdatedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.Parse(CreatedAt, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal));
            definition.UpdatedBy = CreatedBy;
            definition.ChangeNote = ChangeNote;
            return new StoredMetric(definition, ContentHash, Origin == "catalog" ? VersionOrigin.Catalog : VersionOrigin.Api);
        }
    }

    private sealed class RelationRow
    {
        public string FromMetricId { get; set; } = "";
        public string ToMetricId { get; set; } = "";
        public string Type { get; set; } = "";
        public string Reason { get; set; } = "";
        public string Caveat { get; set; } = "";

        public static RelationRow From(Relation r) => new()
        {
            FromMetricId = r.FromMetricId,
            ToMetricId = r.ToMetricId,
            Type = Vocabulary.Snake(r.Type),
            Reason = r.Reason,
            Caveat = r.Differences.Count > 0 ? Vocabulary.Snake(r.Differences[0]).ToUpperInvariant() : string.Empty,
        };

        public Relation ToProto()
        {
            var relation = new Relation
            {
                FromMetricId = FromMetricId,
                ToMetricId = ToMetricId,
                Type = Enum.GetValues<RelationType>().First(t => Vocabulary.Snake(t) == Type),
                Reason = Reason,
            };
            if (CatalogMapper.ParseCaveatCode(Caveat) is { } code)
            {
                relation.Differences.Add(code);
            }

            return relation;
        }
    }

    private sealed class GlossaryRow
    {
        public string Term { get; set; } = "";
        public string Kind { get; set; } = "";
        public string Concept { get; set; } = "";
        public string Alternatives { get; set; } = "";
        public string Notes { get; set; } = "";

        public static GlossaryRow From(GlossaryEntry e) => new()
        {
            Term = e.Term,
            Kind = Vocabulary.Snake(e.Kind),
            Concept = e.Concept,
            Alternatives = JsonSerializer.Serialize(e.AlternativeConcepts.ToArray()),
            Notes = e.Notes,
        };

        public GlossaryEntry ToProto()
        {
            var entry = new GlossaryEntry
            {
                Term = Term,
                Kind = Enum.GetValues<GlossaryEntry.Types.Kind>().First(k => Vocabulary.Snake(k) == Kind),
                Concept = Concept,
                Notes = Notes,
            };
            entry.AlternativeConcepts.AddRange(JsonSerializer.Deserialize<string[]>(Alternatives.Length == 0 ? "[]" : Alternatives) ?? []);
            return entry;
        }
    }
}
