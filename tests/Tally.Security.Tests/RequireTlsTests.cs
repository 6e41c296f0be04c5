using Tally.Access.V1;
using Tally.Grpc;

namespace Tally.Security.Tests;

/// <summary>With Tally:Auth:RequireTls, a credential that arrives over plaintext is refused and said to be exposed.</summary>
public sealed class RequireTlsTests : IClassFixture<RequireTlsTests.Host>
{
    private readonly SecuredTally _tally;

    public RequireTlsTests(Host host) => _tally = host.Tally;

    public sealed class Host : IAsyncLifetime
    {
        public SecuredTally Tally { get; } = new();

        // The fixture creates its keys over h2c; the test then turns RequireTls on in the running host's options.
        public Task InitializeAsync() => Tally.InitializeAsync();

        public Task DisposeAsync() => Tally.DisposeAsync();
    }

    [Fact]
    public async Task ApiKeyOverPlaintext_IsUnauthenticated_AndCountedAsPlaintext()
    {
        var options = (Microsoft.Extensions.Options.IOptions<AuthOptions>)_tally.Services.GetService(typeof(Microsoft.Extensions.Options.IOptions<AuthOptions>))!;
        Assert.True(await WhoAmISucceedsAsync(), "before RequireTls the key works over h2c");
        options.Value.RequireTls = true;
        try
        {
            var e = await Assert.ThrowsAsync<RpcException>(() => _tally.Access(_tally.ReaderKey).WhoAmIAsync(new WhoAmIRequest()));
            Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
            Assert.Contains("only over TLS", e.Status.Detail, StringComparison.Ordinal);
            Assert.Contains("exposed", e.Status.Detail, StringComparison.Ordinal);
        }
        finally
        {
            options.Value.RequireTls = false;
        }
    }

    private async Task<bool> WhoAmISucceedsAsync() =>
        (await _tally.Access(_tally.ReaderKey).WhoAmIAsync(new WhoAmIRequest())).Role == Role.Reader;
}
