using System.Threading.Channels;
using Tally.Datasets.Storage;

namespace Tally.Datasets.Loading;

/// <summary>
/// Runs a staging writer on a task of its own, so that reading and checking the next rows overlaps with storing the
/// last ones (on SQLite the database's own work is about half of a load; on PostgreSQL, encoding and sending).
/// Rows are copied into pooled batches and handed over in order; at most <c>depth</c> batches exist, so memory stays
/// bounded and a slow database slows the reader down rather than piling rows up. The inner writer is only ever used
/// by one task at a time: the background task until <see cref="FlushAsync"/>, the caller afterwards.
/// A failure of the inner writer surfaces, as itself, from the caller's next write or from <see cref="FlushAsync"/>.
/// </summary>
internal sealed class PipelinedStagingWriter : IStagingWriter
{
    private readonly IStagingWriter _inner;
    private readonly int _batchRows;
    private readonly Channel<Batch> _full = Channel.CreateUnbounded<Batch>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly BlockPool<Batch> _free;
    private readonly StageTask _storing;
    private Batch? _current;
    private bool _drained;

    /// <param name="inner">The writer that stores rows; disposed with this one.</param>
    /// <param name="batchRows">Rows handed over at a time.</param>
    /// <param name="depth">Most batches in existence (being filled, queued or being written); at least 2.</param>
    /// <param name="loadCancelled">The load's token: cancelling it stops the background writer too.</param>
    public PipelinedStagingWriter(IStagingWriter inner, int batchRows, int depth, CancellationToken loadCancelled)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchRows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(depth, 2);
        _inner = inner;
        _batchRows = batchRows;
        _free = new BlockPool<Batch>(depth, () => new Batch(batchRows));
        _storing = new StageTask(ConsumeAsync, loadCancelled);
    }

    public ValueTask WriteRowAsync(PhysicalTable table, string filingId, string? sheet, long rowNumber, object?[] values, CancellationToken cancellationToken)
    {
        if (_drained)
        {
            return _inner.WriteRowAsync(table, filingId, sheet, rowNumber, values, cancellationToken);
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (_current is null)
        {
            return WaitThenWriteAsync(table, filingId, sheet, rowNumber, values, cancellationToken);
        }

        _current.AddRow(table, filingId, sheet, rowNumber, values);
        return _current.Count >= _batchRows ? HandOver() : ValueTask.CompletedTask;
    }

    private async ValueTask WaitThenWriteAsync(PhysicalTable table, string filingId, string? sheet, long rowNumber, object?[] values, CancellationToken cancellationToken)
    {
        _current = await TakeBatchAsync(cancellationToken);
        _current.AddRow(table, filingId, sheet, rowNumber, values);
        if (_current.Count >= _batchRows)
        {
            await HandOver();
        }
    }

    public async ValueTask QuarantineAsync(QuarantineEntry entry, CancellationToken cancellationToken)
    {
        if (_drained)
        {
            await _inner.QuarantineAsync(entry, cancellationToken);
            return;
        }

        _current ??= await TakeBatchAsync(cancellationToken);
        _current.AddQuarantine(entry);
        if (_current.Count >= _batchRows)
        {
            await HandOver();
        }
    }

    /// <summary>Waits until every row handed over is written, then flushes the inner writer; later writes go to it directly.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (!_drained)
        {
            if (_current is { Count: > 0 })
            {
                await HandOver();
            }

            _full.Writer.TryComplete();
            await _storing.Task.WaitAsync(cancellationToken);
            _drained = true;
        }

        await _inner.FlushAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        _full.Writer.TryComplete();
        await _storing.DisposeAsync();
        await _inner.DisposeAsync();
    }

    private ValueTask HandOver()
    {
        var batch = _current!;
        _current = null;
        if (_storing.Task.IsCompleted || !_full.Writer.TryWrite(batch))
        {
            return new ValueTask(StoppedAsync()); // its exception is the load's
        }

        return ValueTask.CompletedTask;
    }

    private async ValueTask<Batch> TakeBatchAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _free.TakeAsync(cancellationToken);
        }
        catch (ChannelClosedException)
        {
            await StoppedAsync();
            throw;
        }
    }

    /// <summary>The background writer stopped before it was asked to: rethrows what stopped it (the inner writer's own exception).</summary>
    private async Task StoppedAsync()
    {
        await _storing.Task;
        throw new InvalidOperationException("The staging writer stopped before every row was written.");
    }

    private async Task ConsumeAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var batch in _full.Reader.ReadAllAsync(cancellationToken))
            {
                for (var i = 0; i < batch.Count; i++)
                {
                    ref var item = ref batch.Items[i];
                    if (item.Quarantine is { } entry)
                    {
                        await _inner.QuarantineAsync(entry, cancellationToken);
                    }
                    else
                    {
                        await _inner.WriteRowAsync(item.Table!, item.FilingId!, item.Sheet, item.RowNumber, item.Values!, cancellationToken);
                    }
                }

                batch.Clear();
                _free.Return(batch);
            }
        }
        catch (Exception e)
        {
            // Wake a caller waiting for a free batch; the exception itself is rethrown from this task.
            _free.Fail(e);
            _full.Writer.TryComplete(e);
            throw;
        }
    }

    private struct Item
    {
        public PhysicalTable? Table;
        public string? FilingId;
        public string? Sheet;
        public long RowNumber;
        public object?[]? Values;
        public QuarantineEntry? Quarantine;
    }

    /// <summary>Rows handed over together; each slot keeps its values array for the next time round.</summary>
    private sealed class Batch(int capacity)
    {
        public readonly Item[] Items = new Item[capacity];

        public int Count;

        public void AddRow(PhysicalTable table, string filingId, string? sheet, long rowNumber, object?[] values)
        {
            ref var item = ref Items[Count++];
            if (item.Values is null || item.Values.Length != values.Length)
            {
                item.Values = new object?[values.Length];
            }

            values.CopyTo(item.Values, 0);
            item.Table = table;
            item.FilingId = filingId;
            item.Sheet = sheet;
            item.RowNumber = rowNumber;
            item.Quarantine = null;
        }

        public void AddQuarantine(QuarantineEntry entry)
        {
            ref var item = ref Items[Count++];
            item.Quarantine = entry;
            item.Table = null;
        }

        /// <summary>Drops the references the written rows held (their strings can be collected young).</summary>
        public void Clear()
        {
            for (var i = 0; i < Count; i++)
            {
                ref var item = ref Items[i];
                if (item.Values is { } v)
                {
                    Array.Clear(v);
                }

                item.Quarantine = null;
                item.Sheet = null;
            }

            Count = 0;
        }
    }
}
