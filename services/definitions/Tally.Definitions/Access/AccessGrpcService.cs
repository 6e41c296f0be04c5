using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.DependencyInjection;
using Tally.Access.V1;
using Tally.Definitions.Storage;
using Tally.Grpc;
using Tally.Security;
using Tally.Storage;

namespace Tally.Definitions.Access;

/// <summary>tally.access.v1.AccessService: keys, who-am-I, the audit trail, and key checks for the other services.</summary>
public sealed class AccessGrpcService(
    ApiKeyStore keys,
    LocalApiKeyVerifier verifier,
    BootstrapToken bootstrap,
    [FromKeyedServices(DefinitionsMigrations.Owner)] ServiceDatabase database,
    TimeProvider clock) : AccessService.AccessServiceBase
{
    private const int DefaultPageSize = 50;
    private const int MaxPageSize = 500;

    public override async Task<CreateApiKeyResponse> CreateApiKey(CreateApiKeyRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var name = request.Name.Trim();
        if (name.Length is 0 or > 100 || name.Any(char.IsControl))
        {
            throw Invalid($"name must be 1–100 printable characters (who the key is for, such as \"alice\"); got {name.Length} characters.");
        }

        if (request.Role is not (Role.Reader or Role.Editor or Role.Admin))
        {
            throw Invalid(request.Role == Role.Service
                ? "role service is reserved for Tally's own services (Tally:Auth:ServiceToken); give people reader, editor or admin."
                : $"role must be reader, editor or admin; got {request.Role}.");
        }

        DateTimeOffset? expires = null;
        if (request.ExpiresAt is not null)
        {
            expires = request.ExpiresAt.ToDateTimeOffset();
            if (expires <= clock.GetUtcNow())
            {
                throw Invalid($"expires_at {expires:yyyy-MM-dd HH:mm} UTC lies in the past; give a future time or none.");
            }
        }

        var (row, secret) = await keys.CreateAsync(name, request.Role, expires, Caller(context), context.CancellationToken);
        if (request.Role == Role.Admin)
        {
            bootstrap.Close();
        }

        return new CreateApiKeyResponse { Key = ToProto(row), Secret = secret };
    }

    public override async Task<RevokeApiKeyResponse> RevokeApiKey(RevokeApiKeyRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var keyId = request.KeyId.Trim();
        if (keyId.StartsWith(ApiKeySecrets.Prefix, StringComparison.Ordinal))
        {
            keyId = ApiKeySecrets.KeyIdOf(keyId) ?? keyId; // a pasted secret or "tly_<id>_…" still names its key
        }

        if (keyId.Length == 0)
        {
            throw Invalid("key_id is empty; ./tally keys list shows the ids.");
        }

        var result = await keys.RevokeAsync(keyId, request.Reason.Trim(), Caller(context), context.CancellationToken)
                     ?? throw new RpcException(new Status(StatusCode.NotFound, $"No API key has the id '{keyId}'; ./tally keys list --all shows every key."));
        return new RevokeApiKeyResponse { Key = ToProto(result.Row), Changed = result.Changed };
    }

    public override async Task<ListApiKeysResponse> ListApiKeys(ListApiKeysRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var response = new ListApiKeysResponse();
        response.Keys.AddRange((await keys.ListAsync(request.IncludeInactive, context.CancellationToken)).Select(ToProto));
        return response;
    }

    public override Task<WhoAmIResponse> WhoAmI(WhoAmIRequest request, ServerCallContext context)
    {
        var caller = Caller(context);
        return Task.FromResult(new WhoAmIResponse { Subject = caller.Subject, Name = caller.Name, Role = caller.Role, Method = caller.Method });
    }

    public override async Task<ListAuditEntriesResponse> ListAuditEntries(ListAuditEntriesRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.PageSize < 0)
        {
            throw Invalid($"page_size is {request.PageSize}; send 0 for the default ({DefaultPageSize}) or up to {MaxPageSize}.");
        }

        var pageSize = request.PageSize == 0 ? DefaultPageSize : Math.Min(request.PageSize, MaxPageSize);
        long? before = null;
        if (request.PageToken.Length > 0)
        {
            before = long.TryParse(request.PageToken, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0
                ? id
                : throw Invalid("page_token is not one this service issued; send the next_page_token of a previous response, or none.");
        }

        var kind = request.TargetKind.Trim();
        var metric = request.MetricId.Trim();
        if (metric.Length > 0)
        {
            if (kind.Length > 0 && kind != "metric")
            {
                throw Invalid($"metric_id filters metric entries, but target_kind is '{kind}'; send one or the other.");
            }

            kind = "metric";
        }

        var filter = new AuditFilter(kind.Length > 0 ? kind : null, metric.Length > 0 ? metric : null,
            request.Actor.Trim() is { Length: > 0 } actor ? actor : null, request.Since?.ToDateTimeOffset(), before);
        await using var connection = await database.OpenAsync(context.CancellationToken);
        var rows = await AuditTrail.ListAsync(connection, filter, pageSize + 1, context.CancellationToken);
        var response = new ListAuditEntriesResponse();
        response.Entries.AddRange(rows.Take(pageSize).Select(ToProto));
        if (rows.Count > pageSize)
        {
            response.NextPageToken = rows[pageSize - 1].Id.ToString(CultureInfo.InvariantCulture);
        }

        return response;
    }

    public override async Task<AuthenticateApiKeyResponse> AuthenticateApiKey(AuthenticateApiKeyRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (ApiKeySecrets.KeyIdOf(request.Secret) is not { } keyId || keyId == ApiKeySecrets.BootstrapKeyId)
        {
            throw KeyRefused(StatusCode.Unauthenticated, "unknown_key", AuthMessages.UnknownKey(request.Secret));
        }

        var result = await verifier.VerifyAsync(request.Secret, context.CancellationToken);
        if (!result.Succeeded)
        {
            throw KeyRefused(result.Status, result.Reason ?? "unknown_key", result.Message ?? "The key was refused.");
        }

        var row = await keys.FindAsync(request.Secret, TimeSpan.Zero, context.CancellationToken)
                  ?? throw KeyRefused(StatusCode.Unauthenticated, "unknown_key", AuthMessages.UnknownKey(request.Secret));
        return new AuthenticateApiKeyResponse { Key = ToProto(row) };
    }

    private static CallerIdentity Caller(ServerCallContext context) =>
        context.GetCaller() ?? throw new RpcException(new Status(StatusCode.Internal, "The call reached AccessService without an authenticated caller."));

    /// <summary>The key (not the asking service) was refused: the reason travels in the <see cref="KeyRefusal.Trailer"/> trailer.</summary>
    private static RpcException KeyRefused(StatusCode status, string reason, string message) =>
        new(new Status(status, message), new Metadata { { KeyRefusal.Trailer, reason } });

    private static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));

    private static ApiKey ToProto(ApiKeyRow row) => new()
    {
        KeyId = row.KeyId,
        Name = row.Name,
        Role = row.RoleValue,
        CreatedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(row.CreatedAt)),
        CreatedBy = row.CreatedBy,
        ExpiresAt = row.ExpiresAt is { } e ? Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(e)) : null,
        RevokedAt = row.RevokedAt is { } r ? Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(r)) : null,
        RevokedBy = row.RevokedBy,
    };

    private static AuditEntry ToProto(AuditRow row) => new()
    {
        Id = row.Id,
        OccurredAt = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(row.OccurredAt)),
        ActorSubject = row.ActorSubject,
        ActorName = row.ActorName,
        Action = row.Action,
        TargetKind = row.TargetKind,
        TargetId = row.TargetId,
        Before = row.Before,
        After = row.After,
        Detail = row.Detail,
        Service = row.Service,
    };
}
