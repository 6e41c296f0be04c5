using System.Collections.Concurrent;
using System.Data.Common;
using System.Text.Json;
using Dapper;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tally.Storage;

namespace Tally.Messaging.Outbox;

/// <summary>
/// Publishes one owner's committed outbox rows through MassTransit's <see cref="IPublishEndpoint"/>, oldest first, and
/// marks each sent. It wakes when a commit signals (<see cref="TransactionalOutbox.Wake"/>) and at least every
/// <see cref="OutboxOptions.PollInterval"/>, so rows an earlier process committed are never stranded. A failed publish
/// (broker down) stops the round at that row — nothing after it goes out first — and the round is retried with
/// exponential backoff; so is a database that does not answer. Delivery is at least once (a crash between publish and
/// mark publishes again, with the same message id): consumers are idempotent. On PostgreSQL, replicas of one service
/// take turns through an advisory lock, so only one relays an owner's outbox at a time and the order holds.
/// </summary>
public sealed partial class OutboxRelay : BackgroundService
{
    private static readonly TimeSpan CleanupEvery = TimeSpan.FromMinutes(1);
    private static readonly ConcurrentDictionary<string, Type?> Types = new(StringComparer.Ordinal);

    private readonly TransactionalOutbox _outbox;
    private readonly IPublishEndpoint _publisher;
    private readonly OutboxOptions _options;
    private readonly BusMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly IHostApplicationLifetime? _lifetime;
    private readonly IBusControl? _bus;
    private readonly ILogger<OutboxRelay> _logger;
    private DateTimeOffset _lastCleanup = DateTimeOffset.MinValue;

    public OutboxRelay(TransactionalOutbox outbox, IPublishEndpoint publisher, IOptions<OutboxOptions> options, BusMetrics metrics,
        TimeProvider time, ILogger<OutboxRelay> logger, IHostApplicationLifetime? lifetime = null, IBusControl? bus = null)
    {
        ArgumentNullException.ThrowIfNull(outbox);
        ArgumentNullException.ThrowIfNull(publisher);
        ArgumentNullException.ThrowIfNull(options);
        _outbox = outbox;
        _publisher = publisher;
        _options = options.Value;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _lifetime = lifetime;
        _bus = bus;
    }

    /// <summary>Why the last round stopped early, or null when it went through (for tests and logs).</summary>
    public string? LastProblem { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The bus starts with the host (after this service's StartAsync): publish once everything has started.
        if (_lifetime is not null && !_lifetime.ApplicationStarted.IsCancellationRequested)
        {
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await using (_lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
            await using (stoppingToken.Register(() => started.TrySetCanceled(stoppingToken)))
            {
                try
                {
                    await started.Task;
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }

        await WaitForReceiveEndpointsAsync(stoppingToken);
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            _outbox.Wakeups.TryRead(out _); // a commit from now on wakes the next wait
            Round round;
            try
            {
                round = await RelayRoundAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                round = new Round(0, More: false, Failed: true);
                LastProblem = e.Message;
                LogDatabaseFailed(_logger, _outbox.Owner, e);
            }

            await CountBacklogAsync(stoppingToken);
            failures = round.Failed ? failures + 1 : 0;
            if (failures > 0)
            {
                await DelayAsync(Backoff(failures), wakeable: false, stoppingToken);
            }
            else if (!round.More)
            {
                await CleanupAsync(stoppingToken);
                await DelayAsync(_options.PollInterval, wakeable: true, stoppingToken);
            }
        }
    }

    /// <summary>
    /// Waits (bounded by <see cref="OutboxOptions.StartupWait"/>) until the bus reports its receive endpoints ready: on
    /// RabbitMQ an event published before a consumer's queue is bound to its exchange reaches nobody. After the bound
    /// (broker down at start) the relay goes ahead and its publishes retry as usual.
    /// </summary>
    private async Task WaitForReceiveEndpointsAsync(CancellationToken stoppingToken)
    {
        if (_bus is null)
        {
            return;
        }

        var until = _time.GetUtcNow() + _options.StartupWait;
        while (_bus.CheckHealth().Status != BusHealthStatus.Healthy && _time.GetUtcNow() < until && !stoppingToken.IsCancellationRequested)
        {
            await DelayAsync(TimeSpan.FromMilliseconds(100), wakeable: false, stoppingToken);
        }
    }

    private async Task<Round> RelayRoundAsync(CancellationToken stoppingToken)
    {
        await using var connection = await _outbox.Database.OpenAsync(stoppingToken);
        DbTransaction? transaction = null;
        try
        {
            if (_outbox.Database.Dialect == SqlDialect.Postgres)
            {
                transaction = await connection.BeginTransactionAsync(stoppingToken);
                var mine = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                    "SELECT pg_try_advisory_xact_lock(hashtext(@key))", new { key = "tally-outbox:" + _outbox.Owner }, transaction, cancellationToken: stoppingToken));
                if (!mine)
                {
                    return new Round(0, More: false, Failed: false); // another replica is relaying; look again after the poll interval
                }
            }

            var rows = (await connection.QueryAsync<Row>(new CommandDefinition(
                "SELECT id AS Id, message_id AS MessageId, message_type AS MessageType, body AS Body FROM bus_outbox " +
                "WHERE sent_at IS NULL AND failed_at IS NULL ORDER BY id LIMIT @limit",
                new { limit = _options.BatchSize }, transaction, cancellationToken: stoppingToken))).AsList();
            var published = 0;
            var failed = false;
            foreach (var row in rows)
            {
                if (!TryRead(row, out var message, out var type, out var unreadable))
                {
                    // Never publishable (type gone, body unreadable): set aside with the reason, so it does not block the rest.
                    await MarkAsync(connection, transaction, "UPDATE bus_outbox SET failed_at = @now, last_error = @error WHERE id = @Id",
                        new { now = Now(), error = unreadable, row.Id }, stoppingToken);
                    LogUnpublishable(_logger, _outbox.Owner, row.Id, row.MessageType, unreadable);
                    continue;
                }

                try
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                    timeout.CancelAfter(_options.PublishTimeout);
                    var messageId = Guid.Parse(row.MessageId);
                    await _publisher.Publish(message, type, Pipe.Execute<PublishContext>(context => context.MessageId = messageId), timeout.Token);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    var error = e is OperationCanceledException ? $"publish did not complete within {_options.PublishTimeout}" : $"{e.GetType().Name}: {e.Message}";
                    await MarkAsync(connection, transaction, "UPDATE bus_outbox SET attempts = attempts + 1, last_error = @error WHERE id = @Id",
                        new { error, row.Id }, stoppingToken);
                    LastProblem = error;
                    LogPublishFailed(_logger, _outbox.Owner, row.Id, type.Name, error);
                    failed = true;
                    break;
                }

                await MarkAsync(connection, transaction, "UPDATE bus_outbox SET sent_at = @now WHERE id = @Id", new { now = Now(), row.Id }, stoppingToken);
                _metrics.Published(type.Name);
                published++;
            }

            if (transaction is not null)
            {
                await transaction.CommitAsync(stoppingToken);
            }

            if (!failed)
            {
                LastProblem = null;
            }

            return new Round(published, More: !failed && rows.Count == _options.BatchSize, Failed: failed);
        }
        finally
        {
            if (transaction is not null)
            {
                await transaction.DisposeAsync();
            }
        }
    }

    private static Task<int> MarkAsync(DbConnection connection, DbTransaction? transaction, string sql, object parameters, CancellationToken stoppingToken) =>
        connection.ExecuteAsync(new CommandDefinition(sql, parameters, transaction, cancellationToken: stoppingToken));

    private static bool TryRead(Row row, out object message, out Type type, out string problem)
    {
        message = null!;
        problem = "";
        type = Types.GetOrAdd(row.MessageType, static name => Type.GetType(name, throwOnError: false))!;
        if (type is null)
        {
            problem = $"message type '{row.MessageType}' is not known to this process";
            return false;
        }

        try
        {
            message = JsonSerializer.Deserialize(row.Body, type, TransactionalOutbox.Json)!;
            if (message is null)
            {
                problem = "the stored body is null";
                return false;
            }

            return true;
        }
        catch (JsonException e)
        {
            problem = $"the stored body is not a {type.Name}: {e.Message}";
            return false;
        }
    }

    private async Task CountBacklogAsync(CancellationToken stoppingToken)
    {
        try
        {
            await using var connection = await _outbox.Database.OpenAsync(stoppingToken);
            _metrics.Backlog(_outbox.Owner, await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT COUNT(*) FROM bus_outbox WHERE sent_at IS NULL AND failed_at IS NULL", cancellationToken: stoppingToken)));
        }
        catch (Exception) when (!stoppingToken.IsCancellationRequested)
        {
            // The database is away; the last count stands and the relay's own retry logs the failure.
        }
    }

    private async Task CleanupAsync(CancellationToken stoppingToken)
    {
        var now = _time.GetUtcNow();
        if (now - _lastCleanup < CleanupEvery)
        {
            return;
        }

        _lastCleanup = now;
        try
        {
            await using var connection = await _outbox.Database.OpenAsync(stoppingToken);
            await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM bus_outbox WHERE sent_at IS NOT NULL AND sent_at <= @cutoff",
                new { cutoff = (now - _options.SentRetention).ToUnixTimeMilliseconds() }, cancellationToken: stoppingToken));
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            LogCleanupFailed(_logger, _outbox.Owner, e.Message);
        }
    }

    private async Task DelayAsync(TimeSpan delay, bool wakeable, CancellationToken stoppingToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(delay);
        try
        {
            if (wakeable)
            {
                await _outbox.Wakeups.WaitToReadAsync(timeout.Token);
            }
            else
            {
                await Task.Delay(Timeout.Infinite, timeout.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // the delay ran out, or the host is stopping (the loop checks)
        }
    }

    /// <summary>RetryMinDelay × 2^(failures−1), at most RetryMaxDelay, with ±20 % jitter so replicas do not retry in step.</summary>
    private TimeSpan Backoff(int failures)
    {
        var min = _options.RetryMinDelay.TotalMilliseconds;
        var max = _options.RetryMaxDelay.TotalMilliseconds;
        var delay = Math.Min(max, min * Math.Pow(2, Math.Min(failures - 1, 30)));
        return TimeSpan.FromMilliseconds(delay * (0.8 + (0.4 * Random.Shared.NextDouble())));
    }

    private long Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private readonly record struct Round(int Published, bool More, bool Failed);

    private sealed class Row
    {
        public long Id { get; set; }
        public string MessageId { get; set; } = "";
        public string MessageType { get; set; } = "";
        public string Body { get; set; } = "";
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox {Owner}: publishing row {Id} ({MessageType}) failed, retrying with backoff: {Error}")]
    private static partial void LogPublishFailed(ILogger logger, string owner, long id, string messageType, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox {Owner}: the database did not answer; retrying with backoff")]
    private static partial void LogDatabaseFailed(ILogger logger, string owner, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox {Owner}: row {Id} ({MessageType}) can never be published and was set aside (failed_at): {Problem}")]
    private static partial void LogUnpublishable(ILogger logger, string owner, long id, string messageType, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox {Owner}: deleting published rows failed: {Error}")]
    private static partial void LogCleanupFailed(ILogger logger, string owner, string error);
}
