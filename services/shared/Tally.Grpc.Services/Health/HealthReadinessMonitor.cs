using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ServingStatus = global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Tally.Grpc.Services.Health;

/// <summary>
/// Ties <see cref="HealthStatusManager"/> to the host: NOT_SERVING until ApplicationStarted, then the result of the
/// readiness checks (polled, and on demand for Check), and NOT_SERVING for good from ApplicationStopping on.
/// The liveness name (<see cref="GrpcHealthOptions.LivenessService"/>) is SERVING from ApplicationStarted on,
/// independent of readiness.
/// </summary>
internal sealed class HealthReadinessMonitor(
    HealthStatusManager manager,
    HealthCheckService checks,
    IHostApplicationLifetime lifetime,
    IOptions<GrpcHealthOptions> options) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private CancellationTokenRegistration _onStarted;
    private CancellationTokenRegistration _onStopping;
    private Task _poll = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var interval = options.Value.ReadinessPollInterval;
        if (interval <= TimeSpan.Zero)
        {
            throw new InvalidOperationException(
                $"{GrpcHealthOptions.SectionName}:ReadinessPollInterval must be positive (got {interval}).");
        }
        _onStarted = lifetime.ApplicationStarted.Register(() =>
        {
            manager.MarkStarted();
            if (options.Value.LivenessService is { Length: > 0 } liveness)
            {
                manager.SetStatus(liveness, ServingStatus.Serving);
            }

            _poll = Task.Run(() => PollAsync(interval, _stopping.Token));
        });
        _onStopping = lifetime.ApplicationStopping.Register(() =>
        {
            _stopping.Cancel();
            manager.EnterTerminalState();
        });
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        manager.EnterTerminalState();
        await _poll.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>Runs the readiness checks now and publishes the result.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        if (!manager.IsServing)
        {
            return;
        }
        var report = await checks.CheckHealthAsync(cancellationToken);
        var failed = report.Entries.Where(e => e.Value.Status == HealthStatus.Unhealthy)
            .Select(e => $"{e.Key}: {e.Value.Description ?? e.Value.Exception?.Message ?? "unhealthy"}");
        manager.SetReadiness(report.Status != HealthStatus.Unhealthy, string.Join("; ", failed));
    }

    public void Dispose()
    {
        _onStarted.Dispose();
        _onStopping.Dispose();
        _stopping.Dispose();
    }

    private async Task PollAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            do
            {
                await RefreshAsync(cancellationToken);
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // the host is stopping
        }
    }
}
