using System.Collections.Concurrent;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Tally.Access.V1;
using Tally.Contracts.Events;
using Tally.Definitions.Storage;
using Tally.Messaging.Outbox;
using Tally.Security;
using Tally.Storage;

namespace Tally.Definitions.Access;

/// <summary>A stored key (table <c>api_keys</c>); times are Unix milliseconds.</summary>
public sealed record ApiKeyRow(string KeyId, string Name, string Role, string SecretHash, long CreatedAt, string CreatedBy,
    long? ExpiresAt, long? RevokedAt, string RevokedBy)
{
    public Role RoleValue => RoleNames.Parse(Role) ?? (Role == "service" ? Tally.Access.V1.Role.Service : Tally.Access.V1.Role.Unspecified);

    public bool ActiveAt(DateTimeOffset now) => RevokedAt is null && (ExpiresAt is null || ExpiresAt > now.ToUnixTimeMilliseconds());
}

/// <summary>
/// API keys of the definitions database. Only the SHA-256 of a secret is stored; creating or revoking a key appends
/// its audit entry in the same transaction. Checked keys are cached for <see cref="AuthOptions.KeyCacheDuration"/>
/// and a revocation drops the cache entry at once.
/// </summary>
public sealed class ApiKeyStore(
    [FromKeyedServices(DefinitionsMigrations.Owner)] ServiceDatabase database,
    TimeProvider clock,
    [FromKeyedServices(DefinitionsMigrations.Owner)] TransactionalOutbox? outbox = null)
{
    private const string Columns = "key_id AS KeyId, name AS Name, role AS Role, secret_hash AS SecretHash, created_at AS CreatedAt, " +
                                   "created_by AS CreatedBy, expires_at AS ExpiresAt, revoked_at AS RevokedAt, revoked_by AS RevokedBy";

    private readonly ConcurrentDictionary<string, (ApiKeyRow Row, DateTimeOffset Until)> _checked = new(StringComparer.Ordinal);

    public async Task<(ApiKeyRow Row, string Secret)> CreateAsync(string name, Role role, DateTimeOffset? expiresAt, CallerIdentity by, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(by);
        var (keyId, secret) = ApiKeySecrets.Create();
        var now = clock.GetUtcNow();
        var row = new ApiKeyRow(keyId, name, RoleNames.Of(role), ApiKeySecrets.Hash(secret), now.ToUnixTimeMilliseconds(), by.Name,
            expiresAt?.ToUnixTimeMilliseconds(), null, "");
        await using var connection = await database.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO api_keys (key_id, name, role, secret_hash, created_at, created_by, expires_at, revoked_at, revoked_by) " +
            "VALUES (@KeyId, @Name, @Role, @SecretHash, @CreatedAt, @CreatedBy, @ExpiresAt, NULL, '')", row, tx, cancellationToken: ct));
        await AuditTrail.AppendAsync(connection, tx, new AuditRecord(Guid.NewGuid(), now, by.Subject, by.Name, "api_key.created", "api_key", keyId,
            "", RoleNames.Of(role), $"key '{name}' for the {RoleNames.Of(role)} role" + (expiresAt is { } e ? $", expires {e.UtcDateTime:yyyy-MM-dd}" : ""),
            DefinitionsMigrations.Owner), ct);
        await tx.CommitAsync(ct);
        return (row, secret);
    }

    /// <summary>Revokes the key; null when it does not exist; Changed=false when it was revoked already.</summary>
    public async Task<(ApiKeyRow Row, bool Changed)?> RevokeAsync(string keyId, string reason, CallerIdentity by, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(by);
        var now = clock.GetUtcNow();
        await using var connection = await database.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<ApiKeyRow>(new CommandDefinition(
            $"SELECT {Columns} FROM api_keys WHERE key_id = @keyId", new { keyId }, tx, cancellationToken: ct));
        if (row is null) return null;
        if (row.RevokedAt is not null) return (row, false);
        var changed = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE api_keys SET revoked_at = @at, revoked_by = @by WHERE key_id = @keyId AND revoked_at IS NULL",
            new { at = now.ToUnixTimeMilliseconds(), by = by.Name, keyId }, tx, cancellationToken: ct)) == 1;
        if (changed)
        {
            await AuditTrail.AppendAsync(connection, tx, new AuditRecord(Guid.NewGuid(), now, by.Subject, by.Name, "api_key.revoked", "api_key", keyId,
                "active", "revoked", reason, DefinitionsMigrations.Owner), ct);
            if (outbox is not null)
            {
                // Committed with the revocation: the other services drop the key from their caches when it arrives.
                await outbox.AddAsync(tx, new ApiKeyRevoked { EventId = Guid.NewGuid(), OccurredAt = now, KeyId = keyId, ActorSubject = by.Subject, ActorName = by.Name }, ct);
            }
        }

        if (outbox is not null)
        {
            await outbox.CommitAsync(tx, ct); // commits, then wakes the relay
        }
        else
        {
            await tx.CommitAsync(ct);
        }
        Forget(keyId);
        return (row with { RevokedAt = now.ToUnixTimeMilliseconds(), RevokedBy = by.Name }, changed);
    }

    /// <summary>Drops the cached check of a key (revoked here, or by another replica: ApiKeyRevoked).</summary>
    public void Forget(string keyId)
    {
        foreach (var entry in _checked.Where(c => c.Value.Row.KeyId == keyId).ToList())
        {
            _checked.TryRemove(entry.Key, out _);
        }
    }

    public async Task<IReadOnlyList<ApiKeyRow>> ListAsync(bool includeInactive, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var rows = (await connection.QueryAsync<ApiKeyRow>(new CommandDefinition(
            $"SELECT {Columns} FROM api_keys ORDER BY created_at DESC, key_id", cancellationToken: ct))).AsList();
        var now = clock.GetUtcNow();
        return includeInactive ? rows : rows.Where(r => r.ActiveAt(now)).ToList();
    }

    /// <summary>Whether any admin key still works (the bootstrap token stops working once one does).</summary>
    public async Task<bool> AnyActiveAdminAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > @now)",
            new { now }, cancellationToken: ct)) > 0;
    }

    /// <summary>The key a secret belongs to, whatever its state; null when no key has that secret.</summary>
    public async Task<ApiKeyRow?> FindAsync(string secret, TimeSpan cacheFor, CancellationToken ct)
    {
        var hash = ApiKeySecrets.Hash(secret);
        var now = clock.GetUtcNow();
        if (_checked.TryGetValue(hash, out var cached) && cached.Until > now)
        {
            return cached.Row;
        }

        var keyId = ApiKeySecrets.KeyIdOf(secret);
        if (keyId is null) return null;
        await using var connection = await database.OpenAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<ApiKeyRow>(new CommandDefinition(
            $"SELECT {Columns} FROM api_keys WHERE key_id = @keyId", new { keyId }, cancellationToken: ct));
        if (row is null || !ApiKeySecrets.SameSecret(row.SecretHash, hash))
        {
            return null;
        }

        if (cacheFor > TimeSpan.Zero)
        {
            _checked[hash] = (row, now + cacheFor);
        }

        return row;
    }
}
