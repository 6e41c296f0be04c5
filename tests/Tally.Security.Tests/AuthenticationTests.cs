using System.Net.Http;
using System.Text.RegularExpressions;
using Tally.Access.V1;
using Tally.Definitions.V1;
using Tally.Grpc;
using Tally.Query.V1;

namespace Tally.Security.Tests;

/// <summary>Bad credentials get the right status, a message a person can act on, and a count by reason.</summary>
public sealed partial class AuthenticationTests(SecuredTally tally) : IClassFixture<SecuredTally>
{
    [Fact]
    public async Task NoToken_IsUnauthenticated_SayingHowToSendOne()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => new QueryService.QueryServiceClient(tally.As(null))
            .AskAsync(new AskRequest { Question = "How many removals in FY2024?" }));
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        Assert.Contains("authorization: Bearer", e.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("./tally keys create", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongScheme_IsUnauthenticated_NamingTheScheme()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => tally.Access("Basic dXNlcjpwYXNz").WhoAmIAsync(new WhoAmIRequest()));
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        Assert.Contains("'Basic'", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownKey_IsUnauthenticated_WithoutEchoingTheSecret()
    {
        const string secret = "tly_abcdefghij_ThisIsNotARealSecretButLongEnough0123";
        var e = await Assert.ThrowsAsync<RpcException>(() => tally.Access(secret).WhoAmIAsync(new WhoAmIRequest()));
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        Assert.Contains("tly_abcdefghij_…", e.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("ThisIsNotARealSecret", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EachKey_IsTheRightPerson_AndRole()
    {
        var me = await tally.Access(tally.EditorKey).WhoAmIAsync(new WhoAmIRequest());
        Assert.Equal(("ed", Role.Editor, "api-key"), (me.Name, me.Role, me.Method));
        Assert.StartsWith("key:", me.Subject, StringComparison.Ordinal);
        var service = await tally.Access(tally.ServiceToken).WhoAmIAsync(new WhoAmIRequest());
        Assert.Equal((Role.Service, "service-token"), (service.Role, service.Method));
    }

    [Fact]
    public async Task Reader_CannotChangeADefinition_AndTheRefusalSaysWhichRoleIsNeeded()
    {
        var definitions = new MetricDefinitionService.MetricDefinitionServiceClient(tally.As(tally.ReaderKey));
        var current = (await definitions.GetMetricAsync(new GetMetricRequest { MetricId = "ice-removals" })).Metric;
        var e = await Assert.ThrowsAsync<RpcException>(() =>
            definitions.UpsertMetricAsync(new UpsertMetricRequest { Metric = current, ExpectedVersion = current.Version }));
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Contains("editor role", e.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("rita", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refusals_DoNotRevealWhetherTheThingExists()
    {
        // A metric that exists and one that does not: the same refusal, before any lookup.
        var definitions = new MetricDefinitionService.MetricDefinitionServiceClient(tally.As(null));
        var known = await Assert.ThrowsAsync<RpcException>(() => definitions.GetMetricAsync(new GetMetricRequest { MetricId = "ice-removals" }));
        var unknown = await Assert.ThrowsAsync<RpcException>(() => definitions.GetMetricAsync(new GetMetricRequest { MetricId = "no-such-metric" }));
        Assert.Equal((known.StatusCode, known.Status.Detail), (unknown.StatusCode, unknown.Status.Detail));
    }

    [Fact]
    public async Task BootstrapToken_StopsWorking_OnceAnAdminKeyExists()
    {
        // The fixture made its admin key with the bootstrap token, so the token is spent.
        var e = await Assert.ThrowsAsync<RpcException>(() =>
            tally.Access(tally.Bootstrap).CreateApiKeyAsync(new CreateApiKeyRequest { Name = "mallory", Role = Role.Admin }));
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        Assert.Contains("first admin key", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServiceRole_CannotBeGivenToAPerson()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() =>
            tally.Access(tally.AdminKey).CreateApiKeyAsync(new CreateApiKeyRequest { Name = "svc", Role = Role.Service }));
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains("reserved", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RevokedKey_IsRefusedAtOnce_AndTheRefusalIsCountedByReason()
    {
        var admin = tally.Access(tally.AdminKey);
        var created = await admin.CreateApiKeyAsync(new CreateApiKeyRequest { Name = "temp", Role = Role.Reader });
        Assert.Equal(Role.Reader, (await tally.Access(created.Secret).WhoAmIAsync(new WhoAmIRequest())).Role);
        var before = await FailuresAsync("revoked");
        var revoked = await admin.RevokeApiKeyAsync(new RevokeApiKeyRequest { KeyId = created.Key.KeyId, Reason = "left" });
        Assert.True(revoked.Changed);
        var e = await Assert.ThrowsAsync<RpcException>(() => tally.Access(created.Secret).WhoAmIAsync(new WhoAmIRequest()));
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        Assert.Contains("was revoked", e.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(before + 1, await FailuresAsync("revoked"));
        Assert.False((await admin.RevokeApiKeyAsync(new RevokeApiKeyRequest { KeyId = created.Key.KeyId })).Changed);
        var listed = await admin.ListApiKeysAsync(new ListApiKeysRequest { IncludeInactive = false });
        Assert.DoesNotContain(listed.Keys, k => k.KeyId == created.Key.KeyId);
    }

    [Fact]
    public async Task KeyPastItsExpiry_IsUnauthenticated_SayingWhenItExpired()
    {
        var created = await tally.Access(tally.AdminKey).CreateApiKeyAsync(new CreateApiKeyRequest
        {
            Name = "short-lived", Role = Role.Reader, ExpiresAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.UtcNow.AddSeconds(2)),
        });
        RpcException? refused = null;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (refused is null && DateTime.UtcNow < deadline)
        {
            try
            {
                await tally.Access(created.Secret).WhoAmIAsync(new WhoAmIRequest());
                await Task.Delay(200);
            }
            catch (RpcException e)
            {
                refused = e;
            }
        }

        Assert.NotNull(refused);
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        Assert.Contains("expired on", refused.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExpiryInThePast_IsRefused()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => tally.Access(tally.AdminKey).CreateApiKeyAsync(new CreateApiKeyRequest
        {
            Name = "late", Role = Role.Reader, ExpiresAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.UtcNow.AddDays(-1)),
        }));
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
    }

    [Fact]
    public async Task KeysAreStoredAsHashes_AndListsNeverShowSecrets()
    {
        var listed = await tally.Access(tally.AdminKey).ListApiKeysAsync(new ListApiKeysRequest { IncludeInactive = true });
        var text = listed.ToString();
        Assert.DoesNotContain(tally.EditorKey, text, StringComparison.Ordinal);
        Assert.DoesNotContain(tally.EditorKey.Split('_')[2], text, StringComparison.Ordinal);
        Assert.Contains(listed.Keys, k => k.Name == "ed" && k.Role == Role.Editor && k.CreatedBy == "ada");
    }

    [Fact]
    public async Task Logs_NeverContainATokenOrSecret()
    {
        // Provoke every kind of refusal and some successes, then read everything the host logged.
        await Assert.ThrowsAsync<RpcException>(() => tally.Access("tly_qqqqqqqqqq_SecretSecretSecretSecret0000").WhoAmIAsync(new WhoAmIRequest()));
        await Assert.ThrowsAsync<RpcException>(() => tally.Access("Basic c2VjcmV0").WhoAmIAsync(new WhoAmIRequest()));
        await tally.Access(tally.ReaderKey).WhoAmIAsync(new WhoAmIRequest());
        await Assert.ThrowsAsync<RpcException>(() => tally.Access(tally.ReaderKey).ListApiKeysAsync(new ListApiKeysRequest()));
        var lines = tally.Logs.Lines.ToList();
        Assert.NotEmpty(lines);
        Assert.Contains(lines, l => l.Contains("refused", StringComparison.Ordinal));
        foreach (var secret in new[] { tally.ReaderKey, tally.EditorKey, tally.AdminKey, tally.ServiceToken, tally.Bootstrap, "SecretSecretSecretSecret", "c2VjcmV0" })
        {
            Assert.DoesNotContain(lines, l => l.Contains(secret, StringComparison.Ordinal));
        }

        Assert.DoesNotContain(lines, l => SecretShape().IsMatch(l) || l.Contains("Bearer ", StringComparison.OrdinalIgnoreCase));
    }

    [GeneratedRegex("tly_[a-z2-7]{10}_[A-Za-z0-9_-]{20,}")]
    private static partial Regex SecretShape();

    private async Task<long> FailuresAsync(string reason)
    {
        using var http = new HttpClient();
        var text = await http.GetStringAsync($"http://127.0.0.1:{tally.HttpPort}/metrics");
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith("tally_auth_failures_total{", StringComparison.Ordinal) && l.Contains($"reason=\"{reason}\"", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }
}
