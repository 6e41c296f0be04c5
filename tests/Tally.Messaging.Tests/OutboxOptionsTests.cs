using Microsoft.Extensions.Options;
using Tally.Messaging.Tests.Infrastructure;

namespace Tally.Messaging.Tests;

/// <summary>Outbox settings are validated at start, with a message that names the setting.</summary>
public sealed class OutboxOptionsTests
{
    [Theory]
    [InlineData("Tally:Bus:Outbox:PollInterval", "00:00:00", "Tally:Bus:Outbox:PollInterval must be between 50 ms and 5 minutes.")]
    [InlineData("Tally:Bus:Outbox:BatchSize", "0", "Tally:Bus:Outbox:BatchSize must be between 1 and 10000.")]
    [InlineData("Tally:Bus:Outbox:RetryMinDelay", "00:00:05", "Tally:Bus:Outbox:RetryMaxDelay must not be shorter than Tally:Bus:Outbox:RetryMinDelay.")]
    public async Task BadSetting_StopsTheHostAtStart_NamingTheSetting(string key, string value, string message)
    {
        await using var database = TestDatabase.Sqlite();
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            BusHost.StartAsync(database, settings: new Dictionary<string, string?> { [key] = value })); // RetryMaxDelay is 2 s in the test host
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
