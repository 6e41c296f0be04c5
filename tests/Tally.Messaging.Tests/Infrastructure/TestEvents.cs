using System.Collections.Concurrent;
using System.Data.Common;
using Dapper;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Tally.Messaging.Consuming;
using Tally.Storage;

namespace Tally.Messaging.Tests.Events
{
    /// <summary>A test event: thing <see cref="Number"/> of test run <see cref="Run"/> changed. A negative number fails every consume.</summary>
    public sealed record ThingChanged
    {
        public required Guid EventId { get; init; }

        public required string Run { get; init; }

        public required int Number { get; init; }
    }
}

namespace Tally.Messaging.Tests.Infrastructure
{
    using Tally.Messaging.Tests.Events;

    /// <summary>The test owner's schema: the state (things) and a consumer's effect (thing_effects, with a count of applications).</summary>
    internal static class ThingMigrations
    {
        public static IReadOnlyList<Migration> All { get; } =
        [
            new(1, "things and their effects",
                """
                CREATE TABLE things (run TEXT NOT NULL, number INTEGER NOT NULL, PRIMARY KEY (run, number));
                CREATE TABLE thing_effects (run TEXT NOT NULL, number INTEGER NOT NULL, applied INTEGER NOT NULL, PRIMARY KEY (run, number));
                """,
                """
                CREATE TABLE things (run TEXT NOT NULL, number INTEGER NOT NULL, PRIMARY KEY (run, number));
                CREATE TABLE thing_effects (run TEXT NOT NULL, number INTEGER NOT NULL, applied INTEGER NOT NULL, PRIMARY KEY (run, number));
                """),
        ];
    }

    /// <summary>What the consumer saw: every delivery (also duplicates and failures), in arrival order, per run.</summary>
    public sealed class Deliveries
    {
        private readonly ConcurrentQueue<(string Run, int Number, Guid? MessageId, bool Applied)> _seen = new();

        internal void Add(string run, int number, Guid? messageId, bool applied) => _seen.Enqueue((run, number, messageId, applied));

        public IReadOnlyList<(int Number, Guid? MessageId, bool Applied)> Of(string run) =>
            _seen.Where(s => s.Run == run).Select(s => (s.Number, s.MessageId, s.Applied)).ToList();

        /// <summary>Waits (bounded) until <paramref name="done"/> holds for the run's deliveries.</summary>
        public async Task<IReadOnlyList<(int Number, Guid? MessageId, bool Applied)>> WaitAsync(string run, Func<IReadOnlyList<(int Number, Guid? MessageId, bool Applied)>, bool> done, TimeSpan? bound = null)
        {
            var until = DateTime.UtcNow + (bound ?? TimeSpan.FromSeconds(60));
            while (true)
            {
                var seen = Of(run);
                if (done(seen))
                {
                    return seen;
                }

                if (DateTime.UtcNow > until)
                {
                    throw new TimeoutException($"Run {run}: the condition did not hold within the bound; deliveries so far: [{string.Join(", ", seen.Select(s => $"{s.Number}{(s.Applied ? "" : " (duplicate)")}"))}].");
                }

                await Task.Delay(50);
            }
        }
    }

    /// <summary>One message at a time, so the consumer sees events in the order the relay published them.</summary>
    public sealed class ThingChangedConsumerDefinition : ConsumerDefinition<ThingChangedConsumer>
    {
        public ThingChangedConsumerDefinition() => ConcurrentMessageLimit = 1;
    }

    /// <summary>
    /// Applies a ThingChanged to thing_effects (applied + 1: not idempotent by itself) and records the message id in
    /// bus_consumed in the same transaction, so a redelivery changes nothing. Negative numbers always fail.
    /// </summary>
    public sealed class ThingChangedConsumer([FromKeyedServices(BusHost.OwnerKey)] ServiceDatabase database, Deliveries deliveries) : IConsumer<ThingChanged>
    {
        public async Task Consume(ConsumeContext<ThingChanged> context)
        {
            ArgumentNullException.ThrowIfNull(context);
            var message = context.Message;
            if (message.Number < 0)
            {
                deliveries.Add(message.Run, message.Number, context.MessageId, applied: false);
                throw new InvalidOperationException($"thing {message.Number} of run {message.Run} cannot be applied (negative numbers are poison in this test)");
            }

            await using var connection = await database.OpenAsync(context.CancellationToken);
            await using DbTransaction tx = await connection.BeginTransactionAsync(context.CancellationToken);
            var first = await ConsumedMessages.TryRecordAsync(tx, nameof(ThingChangedConsumer), ConsumedMessages.IdOf(context), context.CancellationToken);
            if (first)
            {
                await connection.ExecuteAsync(
                    "INSERT INTO thing_effects (run, number, applied) VALUES (@Run, @Number, 1) ON CONFLICT (run, number) DO UPDATE SET applied = thing_effects.applied + 1",
                    new { message.Run, message.Number }, tx);
            }

            await tx.CommitAsync(context.CancellationToken);
            deliveries.Add(message.Run, message.Number, context.MessageId, applied: first);
        }
    }
}
