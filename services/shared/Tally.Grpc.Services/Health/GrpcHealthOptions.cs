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
}
