using System.Text;
using Tally.Datasets.Reading;

namespace Tally.Datasets.Tests;

/// <summary>Reading rows ahead on a task of their own: the same rows as reading directly, errors in place, memory bounded.</summary>
public sealed class PrefetchingRowReaderTests
{
    private const string Csv =
        "a,b,c\r\n1,\"x, y\",\"line one\nline two\"\r\n2,\"say \"\"hi\"\"\",\r\n\r\n3,z\n4,\"bad\"quote,c\n5,e,f\n6,g,h\n7,\"never closed";

    [Theory]
    [InlineData(1, 2)]
    [InlineData(3, 2)]
    [InlineData(1024, 4)]
    public async Task SameRows_AsReadingDirectly_WhateverTheBlockSize(int rowsPerBlock, int depth)
    {
        var direct = await ReadAllAsync(await OpenAsync(Csv));
        var ahead = await ReadAllAsync(new PrefetchingRowReader(await OpenAsync(Csv), rowsPerBlock, depth));

        Assert.Equal(8, direct.Count);
        Assert.Contains(direct, r => r.Contains("MALFORMED_QUOTES", StringComparison.Ordinal));
        Assert.Contains(direct, r => r.Contains("TRUNCATED_ROW", StringComparison.Ordinal));
        Assert.Equal(direct, ahead);
    }

    [Fact]
    public async Task WhatStopsTheReading_SurfacesAsItself_AfterTheRowsBeforeIt()
    {
        // Valid rows, then bytes that are not UTF-8 far enough in that the first blocks were read without trouble.
        var text = new StringBuilder("a,b\n");
        for (var i = 0; i < 30_000; i++)
        {
            text.Append(i).Append(",row\n");
        }

        byte[] bytes = [.. Encoding.UTF8.GetBytes(text.ToString()), 0xC3, 0x28, (byte)'\n'];
        var reader = new PrefetchingRowReader(await OpenAsync(bytes), rowsPerBlock: 100, depth: 2);
        var rows = 0;

        var error = await Assert.ThrowsAsync<DatasetFormatException>(async () =>
        {
            while (await reader.ReadAsync(CancellationToken.None))
            {
                rows++;
            }
        });

        Assert.Contains("not valid UTF-8", error.Message, StringComparison.Ordinal);
        Assert.True(rows > 1000, $"only {rows} rows came before the error");
        await reader.DisposeAsync();
    }

    [Fact]
    public async Task RowsReadBeforeTheInputStalls_AreHandedOverAtOnce_NotWhenTheBlockFills()
    {
        var pipe = new System.IO.Pipelines.Pipe();
        await pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes("a,b\n1,x\n2,y\n3,"));
        var csv = await CsvRowReader.OpenAsync(new CountingStream(pipe.Reader.AsStream(), long.MaxValue), null, preferTab: false, new ReaderLimits(), CancellationToken.None);
        await using var reader = new PrefetchingRowReader(csv, rowsPerBlock: 1024, depth: 4);

        var rows = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var read = reader.ReadAsync(CancellationToken.None).AsTask();
            Assert.Same(read, await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(10)))); // the upload is still open
            Assert.True(await read);
            rows.Add(reader.Cell(0));
        }

        Assert.Equal(["a", "1", "2"], rows);
        var fourth = reader.ReadAsync(CancellationToken.None).AsTask();
        await pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes("z\n"));
        await pipe.Writer.CompleteAsync();
        Assert.True(await fourth);
        Assert.Equal(["3", "z"], new[] { reader.Cell(0), reader.Cell(1) });
        Assert.False(await reader.ReadAsync(CancellationToken.None));
    }

    [Fact]
    public async Task AConsumerThatStops_HoldsTheReadingBack_AndDisposingStopsIt()
    {
        var inner = new EndlessReader();
        var reader = new PrefetchingRowReader(inner, rowsPerBlock: 10, depth: 3);
        Assert.True(await reader.ReadAsync(CancellationToken.None));
        Assert.Equal("row 1", reader.Cell(0));

        await Task.Delay(200);
        // Three blocks of ten exist; the one being consumed is held, two are full: the reader cannot be further ahead.
        Assert.InRange(inner.Rows, 10, 31);

        await reader.DisposeAsync();
        Assert.True(inner.Disposed);
    }

    private static Task<CsvRowReader> OpenAsync(string text) => OpenAsync(Encoding.UTF8.GetBytes(text));

    private static async Task<CsvRowReader> OpenAsync(byte[] bytes) =>
        await CsvRowReader.OpenAsync(new CountingStream(new MemoryStream(bytes), long.MaxValue), null, preferTab: false, new ReaderLimits(), CancellationToken.None);

    private static async Task<List<string>> ReadAllAsync(IRowReader reader)
    {
        var rows = new List<string>();
        await using (reader)
        {
            while (await reader.ReadAsync(CancellationToken.None))
            {
                var cells = string.Join("|", Enumerable.Range(0, reader.CellCount).Select(reader.Cell));
                rows.Add($"{reader.RowNumber} {reader.StartsSheet} {reader.Sheet} [{cells}] {reader.ProblemCode} {reader.Problem}");
            }
        }

        return rows;
    }

    /// <summary>Rows forever ("row N"), counting how many were read.</summary>
    private sealed class EndlessReader : IRowReader
    {
        private volatile int _rows;

        public int Rows => _rows;

        public bool Disposed { get; private set; }

        public string? Sheet => null;

        public long RowNumber => _rows;

        public int CellCount => 1;

        public long BytesRead => _rows * 6L;

        public string? Problem => null;

        public string? ProblemCode => null;

        public bool StartsSheet => _rows == 1;

        public string Cell(int index) => $"row {_rows}";

        public ValueTask<bool> ReadAsync(CancellationToken cancellationToken)
        {
            _rows++;
            return ValueTask.FromResult(true);
        }

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            return ValueTask.CompletedTask;
        }
    }
}
