namespace Tally.Grpc.Services.Health;

/// <summary>Settings of grpc.health.v1.Health; section "Tally:Grpc:Health".</summary>
public sealed class GrpcHealthOptions
{
    public const string SectionName = "Tally:Grpc:Health";

    /// <summary>
    /// How often the readiness checks (every registered ASP.NET Core health check, as for /readyz) run in the
    /// background so that Watch sees changes. Check on "" or a mapped service runs them at once as well.
    /// </summary>
    public TimeSpan ReadinessPollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A health service name that reports SERVING from start until the host begins to stop, whatever the readiness
    /// checks say: what a liveness probe should ask for, so that an outage of a dependency (database, broker) takes
    /// the pod out of rotation without restarting it. Empty turns it off.
    /// </summary>
    public string LivenessService { get; set; } = "liveness";
}
