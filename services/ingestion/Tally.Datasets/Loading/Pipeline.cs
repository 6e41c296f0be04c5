using System.Threading.Channels;

namespace Tally.Datasets.Loading;

/// <summary>A task that one stage of a load runs beside its caller, and the token that stops it.</summary>
internal sealed class StageTask : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop;

    /// <param name="run">The stage's work; it observes the token it is given.</param>
    /// <param name="linked">Cancelling this (the load's token) stops the stage too.</param>
    public StageTask(Func<CancellationToken, Task> run, CancellationToken linked = default)
    {
        _stop = CancellationTokenSource.CreateLinkedTokenSource(linked);
        Task = Task.Run(() => run(_stop.Token), CancellationToken.None); // it observes _stop itself
    }

    public Task Task { get; }

    /// <summary>Stops the task and waits for it to end. What it threw has reached the stage's caller already, or no longer matters.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await Task;
        }
        catch (Exception)
        {
            // see above
        }

        _stop.Dispose();
    }
}

/// <summary>
/// The blocks two stages of a load pass between them: at most <c>depth</c> exist, so the stage that fills them waits for
/// the other to give one back, and memory stays bounded whatever the sizes of the file and the database's speed.
/// </summary>
internal sealed class BlockPool<T>(int depth, Func<T> create) where T : class
{
    private readonly Channel<T> _free = Channel.CreateUnbounded<T>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private int _created;

    /// <summary>A free block: one given back, a new one while fewer than depth exist, or the next one given back.</summary>
    /// <exception cref="ChannelClosedException">The other stage failed (<see cref="Fail"/>) while this one waited.</exception>
    public ValueTask<T> TakeAsync(CancellationToken cancellationToken)
    {
        if (_free.Reader.TryRead(out var block))
        {
            return ValueTask.FromResult(block);
        }

        if (_created < depth)
        {
            _created++;
            return ValueTask.FromResult(create());
        }

        return _free.Reader.ReadAsync(cancellationToken);
    }

    public void Return(T block) => _free.Writer.TryWrite(block);

    /// <summary>Wakes a stage waiting in <see cref="TakeAsync"/>: the stage that gives blocks back has stopped.</summary>
    public void Fail(Exception error) => _free.Writer.TryComplete(error);
}
