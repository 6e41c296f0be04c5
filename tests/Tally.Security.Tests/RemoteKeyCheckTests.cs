using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Tally.Access.V1;
using Tally.Citations;
using Tally.Citations.V1;
using Tally.Grpc;
using Tally.Hosting;
using Tally.Messaging;

namespace Tally.Security.Tests;

/// <summary>
/// A second process-like host (the citation service on its own ports, as in the distributed mode) checks API keys by
/// asking the definitions service of the first host over gRPC with the service token.
/// </summary>
public sealed class RemoteKeyCheckTests(SecuredTally tally) : IClassFixture<SecuredTally>
{
    private async Task<(WebApplication App, GrpcChannel Channel)> StartCitationsAsync(string serviceToken)
    {
        var (grpc, http) = (SecuredTally.FreePort(), SecuredTally.FreePort());
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Tally:Host:BindAddress"] = "127.0.0.1",
            ["Tally:Host:GrpcPort"] = grpc.ToString(CultureInfo.InvariantCulture),
            ["Tally:Host:HttpPort"] = http.ToString(CultureInfo.InvariantCulture),
            ["Tally:Storage:Provider"] = "sqlite",
            ["Tally:Storage:InMemory"] = "true",
            ["Tally:Bus:Transport"] = "inmemory",
            ["Tally:Catalog:Directory"] = RepoRoot.PathOf("catalog"),
            ["Tally:Services:Definitions"] = $"http://127.0.0.1:{tally.GrpcPort}",
            ["Tally:Services:Ingestion"] = $"http://127.0.0.1:{tally.GrpcPort}",
            ["Tally:Auth:AnonymousLoopbackRole"] = "none",
            ["Tally:Auth:ServiceToken"] = serviceToken,
            ["Tally:Auth:KeyCacheDuration"] = "00:00:00", // ask every time, so a revocation shows at once
            ["Logging:LogLevel:Default"] = "Warning",
        });
        builder.AddServiceDefaults();
        builder.AddCitationsService();
        builder.Services.AddTallyBus(builder.Configuration);
        var app = builder.Build();
        app.MapServiceDefaults();
        app.MapCitationsService();
        await app.StartAsync();
        return (app, GrpcChannel.ForAddress($"http://127.0.0.1:{grpc}"));
    }

    private static CitationService.CitationServiceClient Client(GrpcChannel channel, string token) =>
        new(Tally.Grpc.Interceptors.CallInvokerExtensions.Intercept(channel.CreateCallInvoker(), new BearerInterceptor(token)));

    [Fact]
    public async Task KeyMadeAtDefinitions_WorksAtAnotherService_UntilRevoked()
    {
        var (app, channel) = await StartCitationsAsync(tally.ServiceToken);
        await using var _ = app;
        using var __ = channel;
        var created = await tally.Access(tally.AdminKey).CreateApiKeyAsync(new CreateApiKeyRequest { Name = "remote-reader", Role = Role.Reader });

        var sources = await Client(channel, created.Secret).ListSourcesAsync(new ListSourcesRequest { PageSize = 5 });
        Assert.NotEmpty(sources.Sources);
        var denied = await Assert.ThrowsAsync<RpcException>(() =>
            Client(channel, created.Secret).RegisterSourceAsync(new RegisterSourceRequest()));
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        Assert.Contains("remote-reader", denied.Status.Detail, StringComparison.Ordinal);

        await tally.Access(tally.AdminKey).RevokeApiKeyAsync(new RevokeApiKeyRequest { KeyId = created.Key.KeyId });
        var revoked = await Assert.ThrowsAsync<RpcException>(() => Client(channel, created.Secret).ListSourcesAsync(new ListSourcesRequest()));
        Assert.Equal(StatusCode.Unauthenticated, revoked.StatusCode);
        Assert.Contains("was revoked", revoked.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithTheWrongServiceToken_KeysCannotBeChecked_AndTheCallerIsToldToRetry()
    {
        var (app, channel) = await StartCitationsAsync(new string('x', 40));
        await using var _ = app;
        using var __ = channel;
        var e = await Assert.ThrowsAsync<RpcException>(() => Client(channel, tally.ReaderKey).ListSourcesAsync(new ListSourcesRequest()));
        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        Assert.Contains("definitions service", e.Status.Detail, StringComparison.Ordinal);
    }
}
