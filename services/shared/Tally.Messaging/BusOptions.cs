using System.ComponentModel.DataAnnotations;

namespace Tally.Messaging;

/// <summary>Which bus carries Tally's events. Bound from the "Tally:Bus" section.</summary>
public sealed class BusOptions
{
    public const string Section = "Tally:Bus";

    /// <summary>"inmemory" (embedded default: one process) or "rabbitmq" (distributed).</summary>
    [Required, RegularExpression("^(inmemory|rabbitmq)$", ErrorMessage = "Tally:Bus:Transport must be 'inmemory' or 'rabbitmq'.")]
    public string Transport { get; set; } = "inmemory";

    /// <summary>AMQP URI, e.g. amqp://guest:guest@127.0.0.1:5672/ — required for "rabbitmq".</summary>
    public string? RabbitMqUri { get; set; }

    /// <summary>Queue-name prefix, so several Tally installations can share a broker.</summary>
    public string QueuePrefix { get; set; } = "tally";
}
