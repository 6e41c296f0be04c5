using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Tally.Definitions.Registry;

/// <summary>
/// Picks up changes other replicas wrote to the shared database: compares the stored catalog version with the
/// loaded one every few seconds and reloads when they differ. Local changes reload at once and need no poll.
/// </summary>
public sealed partial class RegistryRefreshService(DefinitionRegistry registry, IOptions<DefinitionsOptions> options, TimeProvider clock,
    ILogger<RegistryRefreshService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var seconds = options.Value.RefreshSeconds;
        if (seconds <= 0)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(seconds), clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                if (registry.IsLoaded)
                {
                    await registry.ReloadAsync(force: false, stoppingToken);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(logger, e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checking the metric registry for changes failed; the loaded version keeps serving")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
