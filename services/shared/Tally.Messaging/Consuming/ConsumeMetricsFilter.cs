using MassTransit;

namespace Tally.Messaging.Consuming;

/// <summary>How many times a failed consume is tried again before the message goes to the error queue (set by AddTallyBus).</summary>
public sealed class ConsumeRetryLimit(int retries)
{
    public int Retries { get; } = retries;
}

/// <summary>
/// Counts every consume attempt in <c>tally_bus_consumed_total</c>: "ok", "retry" (it failed and the retry policy will
/// try it again) or "error" (it failed on the last attempt: MassTransit moves it to the endpoint's <c>_error</c> queue
/// with the exception in its headers). Runs inside the retry filter, so each attempt passes through it once.
/// </summary>
public sealed class ConsumeMetricsFilter<T>(BusMetrics metrics, ConsumeRetryLimit limit) : IFilter<ConsumeContext<T>>
    where T : class
{
    public async Task Send(ConsumeContext<T> context, IPipe<ConsumeContext<T>> next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        try
        {
            await next.Send(context);
        }
        catch (Exception)
        {
            metrics.Consumed(typeof(T).Name, context.GetRetryAttempt() < limit.Retries ? "retry" : "error");
            throw;
        }

        metrics.Consumed(typeof(T).Name, "ok");
    }

    public void Probe(ProbeContext context) => context?.CreateFilterScope("tallyConsumeMetrics");
}

/// <summary>
/// Counts messages that never reach a consumer because their body cannot be read (a poison message: MassTransit moves
/// it to the <c>_error</c> queue with the reason) as <c>tally_bus_consumed_total{message_type="unknown",result="error"}</c>.
/// </summary>
public sealed class UnreadableMessageMetrics(BusMetrics metrics) : IReceiveObserver
{
    public Task PreReceive(ReceiveContext context) => Task.CompletedTask;

    public Task PostReceive(ReceiveContext context) => Task.CompletedTask;

    public Task PostConsume<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType)
        where T : class => Task.CompletedTask;

    public Task ConsumeFault<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType, Exception exception)
        where T : class => Task.CompletedTask;

    public Task ReceiveFault(ReceiveContext context, Exception exception)
    {
        if (exception is System.Runtime.Serialization.SerializationException || exception?.InnerException is System.Runtime.Serialization.SerializationException)
        {
            metrics.Consumed(BusMetrics.UnknownType, "error");
        }

        return Task.CompletedTask;
    }
}
