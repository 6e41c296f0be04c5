using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Tally.Hosting.Tests;

public sealed class OptionsTests
{
    [Theory]
    [InlineData("Tally:Host:GrpcPort", "0", "Tally:Host:GrpcPort must be between 1 and 65535 (got 0)")]
    [InlineData("Tally:Host:HttpPort", "70000", "Tally:Host:HttpPort must be between 1 and 65535 (got 70000)")]
    [InlineData("Tally:Host:HttpPort", "7400", "Tally:Host:GrpcPort and Tally:Host:HttpPort must differ (both are 7400)")]
    [InlineData("Tally:Host:BindAddress", "localhost:80", "Tally:Host:BindAddress must be an IP address")]
    [InlineData("Tally:Host:ServiceName", " ", "Tally:Host:ServiceName must not be empty")]
    public async Task InvalidSetting_FailsAtStartWithMessageNamingTheSetting(string key, string value, string expected)
    {
        // Kestrel reads the ports while the app is built, so the failure may come from Build or from Start.
        var error = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            await using var app = TestHost.Build(new Dictionary<string, string?> { [key] = value });
            await app.StartAsync();
        });

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Defaults_AreLoopbackAnd7400And7401AndTheApplicationName()
    {
        await using var app = TestHost.Build(new Dictionary<string, string?>());

        var options = app.Services.GetRequiredService<IOptions<TallyHostOptions>>().Value;

        Assert.Equal(("127.0.0.1", 7400, 7401), (options.BindAddress, options.GrpcPort, options.HttpPort));
        Assert.False(string.IsNullOrWhiteSpace(options.ServiceName));
    }

    [Fact]
    public async Task EnvironmentVariables_OverrideTheSection()
    {
        // Only this test touches these variables, and it builds (never starts) its host.
        Environment.SetEnvironmentVariable("Tally__Host__GrpcPort", "9400");
        Environment.SetEnvironmentVariable("Tally__Host__ServiceName", "query");
        try
        {
            await using var app = TestHost.Build(new Dictionary<string, string?>());
            var options = app.Services.GetRequiredService<IOptions<TallyHostOptions>>().Value;

            Assert.Equal((9400, "query"), (options.GrpcPort, options.ServiceName));
        }
        finally
        {
            Environment.SetEnvironmentVariable("Tally__Host__GrpcPort", null);
            Environment.SetEnvironmentVariable("Tally__Host__ServiceName", null);
        }
    }
}
