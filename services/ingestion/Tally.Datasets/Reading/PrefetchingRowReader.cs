using System.Threading.Channels;
using Tally.Datasets.Loading;

namespace Tally.Datasets.Reading;

/// <summary>
/// Reads rows ahead on a task of its own: the inner reader's work (receiving and hashing the bytes, decoding UTF-8,
/// splitting CSV records into cells) overlaps with converting and checking the rows already read. Rows are handed over
/// in blocks, in order; at most <c>depth</c> blocks exist, so memory stays bounded and a slow consumer holds the reading
/// back. A block is handed over when full, or as soon as the inner reader would have to wait for input (a slow upload's
/// rows are not held back). What stops the inner reader (a malformed encoding, a size limit, a broken upload) is rethrown, as itself, once
/// the rows read before it have been consumed. The inner reader is used by the reading task only.
/// </summary>
internal sealed class PrefetchingRowReader : IRowReader
{
    private readonly IRowReader _inner;
    private readonly int _rowsPerBlock;
    private readonly Channel<Block> _full = Channel.CreateUnbounded<Block>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly BlockPool<Block> _free;
    private readonly StageTask _reading;
    private Block? _block;
    private int _index;

    /// <param name="inner">The reader to read ahead of; disposed with this one.</param>
    /// <param name="rowsPerBlock">Rows handed over at a time.</param>
    /// <param name="depth">Most blocks in existence (being filled, queued or being consumed); at least 2.</param>
    public PrefetchingRowReader(IRowReader inner, int rowsPerBlock, int depth)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rowsPerBlock, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(depth, 2);
        _inner = inner;
        _rowsPerBlock = rowsPerBlock;
        _free = new BlockPool<Block>(depth, () => new Block(rowsPerBlock));
        _reading = new StageTask(ReadAheadAsync);
    }

    private ref Row Current => ref _block!.Rows[_index];

    public string? Sheet => Current.Sheet;

    public long RowNumber => Current.RowNumber;

    public int CellCount => Current.CellCount;

    /// <summary>Bytes the inner reader had consumed when the current block was complete (the reading runs ahead of it).</summary>
    public long BytesRead => _block?.BytesRead ?? 0;

    public string? Problem => Current.Problem;

    public string? ProblemCode => Current.ProblemCode;

    public bool StartsSheet => Current.StartsSheet;

    public string Cell(int index)
    {
        ref var row = ref Current;
        return index < row.CellCount ? row.Cells![index] : "";
    }

    public ValueTask<bool> ReadAsync(CancellationToken cancellationToken)
    {
        if (_block is not null && _index + 1 < _block.Count)
        {
            _index++;
            return ValueTask.FromResult(true);
        }

        return NextBlockAsync(cancellationToken);
    }

    private async ValueTask<bool> NextBlockAsync(CancellationToken cancellationToken)
    {
        if (_block is not null)
        {
            _free.Return(_block); // every row of it has been consumed
            _block = null;
        }

        // A channel completed with an error rethrows that error itself here, once the rows before it are consumed.
        if (!await _full.Reader.WaitToReadAsync(cancellationToken))
        {
            await _reading.Task; // completed without rows left and without an error
            return false;
        }

        _full.Reader.TryRead(out _block);
        _index = 0;
        return true;
    }

    private async Task ReadAheadAsync(CancellationToken cancellationToken)
    {
        try
        {
            Block? block = null;
            while (true)
            {
                var next = _inner.ReadAsync(cancellationToken);
                if (!next.IsCompleted && block is not null)
                {
                    // The inner reader has to wait (for the upload's next bytes): the rows read so far go now, not when
                    // the block is full, so a slow upload is converted, and reported, as it arrives.
                    Publish(block);
                    block = null;
                }

                if (!await next)
                {
                    break;
                }

                block ??= await TakeBlockAsync(cancellationToken); // the inner reader's current row stays valid meanwhile
                block.Rows[block.Count++].Capture(_inner);
                if (block.Count == _rowsPerBlock)
                {
                    Publish(block);
                    block = null;
                }
            }

            if (block is not null)
            {
                Publish(block);
            }

            _full.Writer.TryComplete();
        }
        catch (Exception e)
        {
            _full.Writer.TryComplete(e); // the consumer gets the rows before it, then this
            throw;
        }
    }

    private void Publish(Block block)
    {
        block.BytesRead = _inner.BytesRead;
        _full.Writer.TryWrite(block);
    }

    private async ValueTask<Block> TakeBlockAsync(CancellationToken cancellationToken)
    {
        var block = await _free.TakeAsync(cancellationToken);
        block.Count = 0;
        return block;
    }

    public async ValueTask DisposeAsync()
    {
        await _reading.DisposeAsync();
        await _inner.DisposeAsync();
    }

    /// <summary>One row as the inner reader presented it; the cell array is reused when the block comes round again.</summary>
    private struct Row
    {
        public string[]? Cells;
        public int CellCount;
        public string? Sheet;
        public long RowNumber;
        public string? Problem;
        public string? ProblemCode;
        public bool StartsSheet;

        public void Capture(IRowReader reader)
        {
            CellCount = reader.CellCount;
            if (Cells is null || Cells.Length < CellCount)
            {
                Cells = new string[Math.Max(CellCount, 16)];
            }

            for (var i = 0; i < CellCount; i++)
            {
                Cells[i] = reader.Cell(i);
            }

            Sheet = reader.Sheet;
            RowNumber = reader.RowNumber;
            Problem = reader.Problem;
            ProblemCode = reader.ProblemCode;
            StartsSheet = reader.StartsSheet;
        }
    }

    private sealed class Block(int capacity)
    {
        public readonly Row[] Rows = new Row[capacity];

        public int Count;

        public long BytesRead;
    }
}
