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
    private Task<(WebApplication App, GrpcChannel Channel)> StartCitationsAsync(string serviceToken) => StartCitationsAsync(tally, serviceToken, []);

    private static async Task<(WebApplication App, GrpcChannel Channel)> StartCitationsAsync(
        SecuredTally tally, string serviceToken, Dictionary<string, string?> extra)
    {
        var (grpc, http) = (SecuredTally.FreePort(), SecuredTally.FreePort());
        var builder = WebApplication.CreateBuilder();
        var settings = new Dictionary<string, string?>
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
        };
        foreach (var (k, v) in extra)
        {
            settings[k] = v;
        }

        builder.Configuration.AddInMemoryCollection(settings);
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

    [AmqpFact]
    public async Task KeyRevokedAtDefinitions_IsRefusedAtAnotherServiceAtOnce_NotWhenItsCacheExpires()
    {
        // Both hosts on one RabbitMQ (a queue prefix of their own); the citation host trusts a checked key for 10 minutes,
        // so only the ApiKeyRevoked event can make it refuse the key within the bounded wait below.
        var bus = new Dictionary<string, string?>
        {
            ["Tally:Bus:Transport"] = "rabbitmq",
            ["Tally:Bus:RabbitMqUri"] = Environment.GetEnvironmentVariable(AmqpFactAttribute.Variable),
            ["Tally:Bus:QueuePrefix"] = "tally-revoke-" + Guid.NewGuid().ToString("N")[..8],
        };
        var definitions = new SecuredTally();
        foreach (var (k, v) in bus)
        {
            definitions.Settings[k] = v;
        }

        await definitions.InitializeAsync();
        try
        {
            var (app, channel) = await StartCitationsAsync(definitions, definitions.ServiceToken, new(bus) { ["Tally:Auth:KeyCacheDuration"] = "00:10:00" });
            await using var _ = app;
            using var __ = channel;
            var created = await definitions.Access(definitions.AdminKey).CreateApiKeyAsync(new CreateApiKeyRequest { Name = "soon-revoked", Role = Role.Reader });
            Assert.NotEmpty((await Client(channel, created.Secret).ListSourcesAsync(new ListSourcesRequest { PageSize = 5 })).Sources); // now cached

            await definitions.Access(definitions.AdminKey).RevokeApiKeyAsync(new RevokeApiKeyRequest { KeyId = created.Key.KeyId, Reason = "left the desk" });

            var clock = System.Diagnostics.Stopwatch.StartNew();
            RpcException? refused = null;
            while (refused is null && clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                try
                {
                    await Client(channel, created.Secret).ListSourcesAsync(new ListSourcesRequest { PageSize = 1 });
                    await Task.Delay(50);
                }
                catch (RpcException e)
                {
                    refused = e;
                }
            }

            Assert.NotNull(refused);
            Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
            Assert.Contains("was revoked", refused.Status.Detail, StringComparison.Ordinal);
        }
        finally
        {
            await definitions.DisposeAsync();
        }
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

/// <summary>A fact that needs RabbitMQ (TALLY_TEST_AMQP); skipped, saying so, without it.</summary>
public sealed class AmqpFactAttribute : FactAttribute
{
    public const string Variable = "TALLY_TEST_AMQP";

    public AmqpFactAttribute()
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(Variable)))
        {
            Skip = $"{Variable} is not set (scripts/infra-up.sh rabbitmq, then source $TALLY_INFRA_DIR/env): the revocation-event test did not run.";
        }
    }
}
