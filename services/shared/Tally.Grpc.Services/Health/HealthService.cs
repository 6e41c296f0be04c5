using global::Grpc.Health.V1;
using ServingStatus = global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Tally.Grpc.Services.Health;

/// <summary>grpc.health.v1.Health over <see cref="HealthStatusManager"/>.</summary>
internal sealed class HealthService(HealthStatusManager manager, HealthReadinessMonitor monitor) : global::Grpc.Health.V1.Health.HealthBase
{
    /// <summary>The most names List returns, as upstream's health service allows.</summary>
    internal const int MaxListed = 100;

    public override async Task<HealthCheckResponse> Check(HealthCheckRequest request, ServerCallContext context)
    {
        if (manager.FollowsReadiness(request.Service))
        {
            await monitor.RefreshAsync(context.CancellationToken);
        }
        var status = manager.GetStatus(request.Service)
            ?? throw new RpcException(new Status(StatusCode.NotFound, UnknownServiceMessage(request.Service)));
        return new HealthCheckResponse { Status = status };
    }

    public override async Task<HealthListResponse> List(HealthListRequest request, ServerCallContext context)
    {
        await monitor.RefreshAsync(context.CancellationToken);
        var all = manager.GetAll();
        if (all.Count > MaxListed)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted,
                $"The server knows {all.Count} health names, more than the {MaxListed} List returns; use Check for one service."));
        }
        var response = new HealthListResponse();
        foreach (var (name, status) in all)
        {
            response.Statuses.Add(name, new HealthCheckResponse { Status = status });
        }
        return response;
    }

    public override async Task Watch(HealthCheckRequest request, IServerStreamWriter<HealthCheckResponse> responseStream, ServerCallContext context)
    {
        if (manager.FollowsReadiness(request.Service))
        {
            await monitor.RefreshAsync(context.CancellationToken); // the first answer is current, not the last poll's
        }
        using var watcher = manager.Watch(request.Service);
        var reader = watcher.Updates.Reader;
        ServingStatus? sent = null;
        try
        {
            while (await reader.WaitToReadAsync(context.CancellationToken))
            {
                while (reader.TryRead(out var status))
                {
                    if (status != sent)
                    {
                        await responseStream.WriteAsync(new HealthCheckResponse { Status = status });
                        sent = status;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            return; // the client went away or its deadline passed; the runtime reports the status
        }
        // The updates end only when the host stops.
        throw new RpcException(new Status(StatusCode.Unavailable, "The server is shutting down; watch another instance or retry later."));
    }

    private string UnknownServiceMessage(string service)
    {
        var known = manager.GetAll().Keys.Where(k => k.Length > 0).Order(StringComparer.Ordinal).ToArray();
        return $"Health status for service '{service}' is unknown. Known services: " +
            (known.Length == 0 ? "none (use \"\" for the whole server)." : string.Join(", ", known) + " (or \"\" for the whole server).");
    }
}
