using System.Collections.Concurrent;
using Tally.Datasets.Loading;
using Tally.Datasets.Specs;
using Tally.Datasets.Storage;

namespace Tally.Datasets.Tests;

/// <summary>
/// The staging queue between reading and storing: what reaches the storing writer, in what order, and what happens when
/// it fails, is slow, or the load is cancelled. The storing writer here records calls in memory; real databases behind
/// the queue are covered by <see cref="StagingQueueLoadTests"/>.
/// </summary>
public sealed class PipelinedStagingWriterTests
{
    private static readonly PhysicalTable Table = new("queue-test", Spec());

    [Fact]
    public async Task RowsAndQuarantines_ReachTheStoringWriter_InOrder_EachWithItsOwnValues()
    {
        var inner = new RecordingWriter();
        await using (var queue = new PipelinedStagingWriter(inner, batchRows: 3, depth: 2, CancellationToken.None))
        {
            var values = new object?[2]; // one array, reused for every row, as the load does
            for (var row = 1; row <= 10; row++)
            {
                values[0] = $"r{row}";
                values[1] = (long)row;
                await queue.WriteRowAsync(Table, "fl-1", null, row, values, CancellationToken.None);
                if (row == 4)
                {
                    await queue.QuarantineAsync(Entry(row), CancellationToken.None);
                }
            }

            await queue.FlushAsync(CancellationToken.None);
            Assert.Equal(1, inner.Flushes);
            Assert.Equal(11, inner.Calls.Count);
        }

        var expected = Enumerable.Range(1, 10).Select(r => $"row {r}: r{r},{r}").ToList();
        expected.Insert(4, "quarantine 4");
        Assert.Equal(expected, inner.Calls);
        Assert.True(inner.Disposed);
        Assert.False(inner.Overlapped, "the storing writer was entered by two tasks at once");
    }

    [Fact]
    public async Task AfterFlush_WritesGoStraightToTheStoringWriter()
    {
        var inner = new RecordingWriter();
        await using var queue = new PipelinedStagingWriter(inner, batchRows: 4, depth: 2, CancellationToken.None);
        await queue.WriteRowAsync(Table, "fl-1", null, 1, ["a", 1L], CancellationToken.None);
        await queue.FlushAsync(CancellationToken.None);

        await queue.QuarantineAsync(Entry(2), CancellationToken.None);

        Assert.Equal(["row 1: a,1", "quarantine 2"], inner.Calls);
    }

    [Fact]
    public async Task AFailureToStore_SurfacesAsItself_AndTheStoringWriterIsStillDisposed()
    {
        var inner = new RecordingWriter { FailAtRow = 5 };
        var queue = new PipelinedStagingWriter(inner, batchRows: 2, depth: 2, CancellationToken.None);

        var error = await Assert.ThrowsAsync<InvalidDataException>(async () =>
        {
            for (var row = 1; row <= 1000; row++)
            {
                await queue.WriteRowAsync(Table, "fl-1", null, row, ["x", (long)row], CancellationToken.None);
            }

            await queue.FlushAsync(CancellationToken.None);
        });

        Assert.Equal("disk on fire at row 5", error.Message);
        Assert.DoesNotContain("row 5: x,5", inner.Calls);
        Assert.True(inner.Calls.Count < 1000, "the reader kept going long after the writer had stopped");
        await queue.DisposeAsync();
        Assert.True(inner.Disposed);
    }

    [Fact]
    public async Task ASlowStoringWriter_HoldsTheReaderBack_AtMostDepthBatchesAhead()
    {
        var inner = new RecordingWriter { Gate = new SemaphoreSlim(0) };
        await using var queue = new PipelinedStagingWriter(inner, batchRows: 5, depth: 3, CancellationToken.None);

        var accepted = 0;
        ValueTask pending = default;
        for (var row = 1; row <= 100; row++)
        {
            pending = queue.WriteRowAsync(Table, "fl-1", null, row, ["x", (long)row], CancellationToken.None);
            if (!pending.IsCompleted)
            {
                break;
            }

            accepted++;
        }

        // Three batches of five exist; one is being written (blocked), so at most 15 rows were taken before the reader waits.
        Assert.InRange(accepted, 10, 15);
        Assert.False(pending.IsCompleted);
        inner.Gate.Release(1000);
        await pending;
        await queue.FlushAsync(CancellationToken.None);
        Assert.Equal(accepted + 1, inner.Calls.Count);
    }

    [Fact]
    public async Task CancellingTheLoad_StopsTheStoringTask_AndTheNextWriteSaysSo()
    {
        using var cts = new CancellationTokenSource();
        var inner = new RecordingWriter { Gate = new SemaphoreSlim(0) };
        var queue = new PipelinedStagingWriter(inner, batchRows: 1, depth: 2, cts.Token);
        await queue.WriteRowAsync(Table, "fl-1", null, 1, ["x", 1L], CancellationToken.None); // taken; the writer blocks on it

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            for (var row = 2; row <= 100; row++)
            {
                await queue.WriteRowAsync(Table, "fl-1", null, row, ["x", (long)row], cts.Token);
            }
        });
        await queue.DisposeAsync();
        Assert.True(inner.Disposed);
        Assert.Equal(0, inner.Flushes);
    }

    private static QuarantineEntry Entry(long row) => new("queue-test", "t", "ld-1", "f.csv", null, row, null, "BAD", "bad", "raw");

    private static TableSpec Spec() =>
        DatasetSpecParser.Parse(
            """
            dataset: queue-test
            tables:
              - name: t
                columns:
                  - {name: name, type: string}
                  - {name: n, type: int}
            """, "(test)").Tables[0];

    /// <summary>Records what it is asked to store; optionally blocks on a gate, fails at a row, and notices overlapping calls.</summary>
    private sealed class RecordingWriter : IStagingWriter
    {
        private int _inside;

        public ConcurrentQueue<string> Log { get; } = new();

        public List<string> Calls => [.. Log];

        public SemaphoreSlim? Gate { get; init; }

        public long? FailAtRow { get; init; }

        public int Flushes { get; private set; }

        public bool Disposed { get; private set; }

        public bool Overlapped { get; private set; }

        public async ValueTask WriteRowAsync(PhysicalTable table, string filingId, string? sheet, long rowNumber, object?[] values, CancellationToken cancellationToken)
        {
            Enter();
            try
            {
                if (Gate is not null)
                {
                    await Gate.WaitAsync(cancellationToken);
                }

                if (rowNumber == FailAtRow)
                {
                    throw new InvalidDataException($"disk on fire at row {rowNumber}");
                }

                Log.Enqueue($"row {rowNumber}: {string.Join(",", values)}");
            }
            finally
            {
                Leave();
            }
        }

        public ValueTask QuarantineAsync(QuarantineEntry entry, CancellationToken cancellationToken)
        {
            Enter();
            Log.Enqueue($"quarantine {entry.RowNumber}");
            Leave();
            return ValueTask.CompletedTask;
        }

        public Task FlushAsync(CancellationToken cancellationToken)
        {
            Flushes++;
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            return ValueTask.CompletedTask;
        }

        private void Enter()
        {
            if (Interlocked.Increment(ref _inside) > 1)
            {
                Overlapped = true;
            }
        }

        private void Leave() => Interlocked.Decrement(ref _inside);
    }
}
