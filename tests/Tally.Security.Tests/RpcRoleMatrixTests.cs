using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.DependencyInjection;
using Tally.Access.V1;
using Tally.Grpc;
using Tally.Grpc.Server;

namespace Tally.Security.Tests;

/// <summary>
/// Every RPC of every service the embedded default maps, called with every kind of caller over a real socket: the
/// outcome must be what the authorization table says. A new RPC without a table entry fails here first.
/// </summary>
public sealed class RpcRoleMatrixTests(SecuredTally tally) : IClassFixture<SecuredTally>
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(20);

    private IReadOnlyList<IMethod> Mapped =>
        tally.Services.GetRequiredService<GrpcServiceRegistry>().Services.SelectMany(s => s.Methods).ToList();

    [Fact]
    public void EveryMappedRpc_HasAnEntry_AndEveryEntryIsMapped()
    {
        var mapped = Mapped.Select(m => m.FullName).ToHashSet(StringComparer.Ordinal);
        Assert.True(mapped.Count >= 39, $"only {mapped.Count} methods mapped; the host is not the full embedded default");
        var unlisted = mapped.Where(m => AuthorizationTable.RuleFor(m) is null).Order(StringComparer.Ordinal).ToList();
        Assert.True(unlisted.Count == 0, "RPCs without an authorization table entry: " + string.Join(", ", unlisted));
        // Entries for methods nobody maps are stale (v1 reflection is listed for tools that ask for it).
        var stale = AuthorizationTable.Rules.Keys.Where(k => !mapped.Contains(k) && k != "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo").ToList();
        Assert.True(stale.Count == 0, "table entries for RPCs no service maps: " + string.Join(", ", stale));
    }

    [Fact]
    public void Table_GuardsEveryChangeAndEveryKeyOperation()
    {
        // Independent of the table's own wording: what a newsroom expects of it.
        string[] changes =
        [
            "/tally.definitions.v1.MetricDefinitionService/UpsertMetric", "/tally.ingestion.v1.IngestionService/IngestDocument",
            "/tally.ingestion.v1.IngestionService/IngestDataset", "/tally.citations.v1.CitationService/CreateCitation",
            "/tally.citations.v1.CitationService/VerifyCitation", "/tally.citations.v1.CitationService/RegisterSource",
        ];
        Assert.All(changes, m => Assert.Equal(AccessRule.Editor, AuthorizationTable.RuleFor(m)));
        Assert.All(["CreateApiKey", "RevokeApiKey", "ListApiKeys"], m => Assert.Equal(AccessRule.Admin, AuthorizationTable.RuleFor("/tally.access.v1.AccessService/" + m)));
        Assert.Equal(AccessRule.Service, AuthorizationTable.RuleFor("/tally.access.v1.AccessService/AuthenticateApiKey"));
        Assert.All(AuthorizationTable.Rules.Where(r => r.Value == AccessRule.Open), r => Assert.StartsWith("/grpc.", r.Key, StringComparison.Ordinal));
    }

    public static TheoryData<string> Callers => new() { "none", "reader", "editor", "admin", "service", "garbage", "revoked" };

    [Theory]
    [MemberData(nameof(Callers))]
    public async Task EveryRpc_GivesThisCallerWhatTheTableSays(string callerKind)
    {
        var (token, role) = callerKind switch
        {
            "none" => ((string?)null, (Role?)null),
            "reader" => (tally.ReaderKey, Role.Reader),
            "editor" => (tally.EditorKey, Role.Editor),
            "admin" => (tally.AdminKey, Role.Admin),
            "service" => (tally.ServiceToken, Role.Service),
            "garbage" => ("tly_zzzzzzzzzz_not-a-real-key", (Role?)null),
            _ => (await RevokedKeyAsync(), (Role?)null),
        };
        var invoker = tally.As(token);
        var failures = new List<string>();
        foreach (var method in Mapped)
        {
            var rule = AuthorizationTable.RuleFor(method.FullName)!.Value;
            var status = await CallAsync(invoker, method);
            var expected = rule == AccessRule.Open ? "not refused"
                : role is null ? "UNAUTHENTICATED"
                : AuthorizationTable.Allows(rule, role.Value) ? "not refused"
                : "PERMISSION_DENIED";
            var actual = status.StatusCode switch
            {
                StatusCode.Unauthenticated when status.Detail.Contains("credential", StringComparison.Ordinal) || status.Detail.Contains("API key", StringComparison.Ordinal)
                    => "UNAUTHENTICATED",
                StatusCode.PermissionDenied => "PERMISSION_DENIED",
                _ => "not refused",
            };
            if (actual != expected)
            {
                failures.Add($"{method.FullName} as {callerKind}: expected {expected}, got {status.StatusCode} \"{status.Detail}\"");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private async Task<string> RevokedKeyAsync()
    {
        var created = await tally.Access(tally.AdminKey).CreateApiKeyAsync(new CreateApiKeyRequest { Name = "gone-" + Guid.NewGuid().ToString("N")[..6], Role = Role.Admin });
        await tally.Access(tally.AdminKey).RevokeApiKeyAsync(new RevokeApiKeyRequest { KeyId = created.Key.KeyId, Reason = "test" });
        return created.Secret;
    }

    /// <summary>
    /// Calls any method with an empty request (AuthenticateApiKey gets a real key so that its own answer is not an
    /// UNAUTHENTICATED), completes request streams at once and drains responses; returns the final status.
    /// </summary>
    private async Task<Status> CallAsync(CallInvoker invoker, IMethod method)
    {
        var m = new Method<Empty, Empty>(method.Type, method.ServiceName, method.Name, Empty.Parser, Empty.Parser);
        var request = method.Name == "AuthenticateApiKey"
            ? Empty.Parser.ParseFrom(new AuthenticateApiKeyRequest { Secret = tally.ReaderKey }.ToByteArray())
            : new Empty();
        using var cts = new CancellationTokenSource(CallTimeout);
        var options = new CallOptions(deadline: DateTime.UtcNow + CallTimeout, cancellationToken: cts.Token);
        try
        {
            switch (method.Type)
            {
                case MethodType.Unary:
                    await invoker.AsyncUnaryCall(m, null, options, request);
                    break;
                case MethodType.ServerStreaming:
                    using (var call = invoker.AsyncServerStreamingCall(m, null, options, request))
                    {
                        // Health.Watch streams until cancelled: the first message is enough to know it was let through.
                        if (await call.ResponseStream.MoveNext(cts.Token)) return Status.DefaultSuccess;
                    }

                    break;
                case MethodType.ClientStreaming:
                    using (var call = invoker.AsyncClientStreamingCall(m, null, options))
                    {
                        await call.RequestStream.CompleteAsync();
                        await call;
                    }

                    break;
                default:
                    using (var call = invoker.AsyncDuplexStreamingCall(m, null, options))
                    {
                        await call.RequestStream.CompleteAsync();
                        while (await call.ResponseStream.MoveNext(cts.Token))
                        {
                        }
                    }

                    break;
            }

            return Status.DefaultSuccess;
        }
        catch (RpcException e)
        {
            return e.Status;
        }
    }
}
