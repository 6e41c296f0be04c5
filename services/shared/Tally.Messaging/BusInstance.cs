namespace Tally.Messaging;

/// <summary>This process's identity on the bus: names its per-instance (temporary) endpoints.</summary>
public static class BusInstance
{
    /// <summary>Random, lower-case hex, fixed for the life of the process (unique across pods and restarts).</summary>
    public static string Id { get; } = Guid.NewGuid().ToString("N")[..12];
}
