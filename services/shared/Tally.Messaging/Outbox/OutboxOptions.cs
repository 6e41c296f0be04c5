using System.ComponentModel.DataAnnotations;

namespace Tally.Messaging.Outbox;

/// <summary>How the outbox relay publishes committed events. Bound from the "Tally:Bus:Outbox" section.</summary>
public sealed class OutboxOptions
{
    public const string Section = "Tally:Bus:Outbox";

    /// <summary>
    /// Longest wait between two looks at the outbox table. A commit wakes the relay at once; the poll is the safety net
    /// that publishes what an earlier process committed and did not get to publish (crash, restart).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:05:00", ErrorMessage = "Tally:Bus:Outbox:PollInterval must be between 50 ms and 5 minutes.")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Most events read (and published, in order) per round.</summary>
    [Range(1, 10_000, ErrorMessage = "Tally:Bus:Outbox:BatchSize must be between 1 and 10000.")]
    public int BatchSize { get; set; } = 100;

    /// <summary>How long one publish may take before it counts as failed (the broker is down or unreachable).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00", ErrorMessage = "Tally:Bus:Outbox:PublishTimeout must be between 100 ms and 10 minutes.")]
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Wait after the first failed round (broker or database down); it doubles per failure up to <see cref="RetryMaxDelay"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00", ErrorMessage = "Tally:Bus:Outbox:RetryMinDelay must be between 10 ms and 1 minute.")]
    public TimeSpan RetryMinDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest wait between two failed rounds.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00", ErrorMessage = "Tally:Bus:Outbox:RetryMaxDelay must be between 10 ms and 10 minutes.")]
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// At start, how long the relay waits for the bus's receive endpoints to be ready before its first round (on RabbitMQ
    /// an event published before a consumer's queue is bound reaches nobody). After that it publishes regardless.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00", ErrorMessage = "Tally:Bus:Outbox:StartupWait must be between 0 and 10 minutes.")]
    public TimeSpan StartupWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long published rows are kept (for inspection) before they are deleted. 0 deletes them at the next clean-up.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "90.00:00:00", ErrorMessage = "Tally:Bus:Outbox:SentRetention must be between 0 and 90 days.")]
    public TimeSpan SentRetention { get; set; } = TimeSpan.FromDays(1);

    /// <summary>The problem with these values, or null when they are usable together.</summary>
    internal string? Problem() => RetryMaxDelay < RetryMinDelay
        ? $"Tally:Bus:Outbox:RetryMaxDelay ({RetryMaxDelay}) must not be shorter than RetryMinDelay ({RetryMinDelay})."
        : null;
}
