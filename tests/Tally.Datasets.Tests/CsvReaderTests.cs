using System.Text;
using Tally.Datasets.Reading;

namespace Tally.Datasets.Tests;

public sealed class CsvReaderTests
{
    private static async Task<List<(long Row, string[] Cells, string? Code)>> ReadAllAsync(string text, char? delimiter = null, ReaderLimits? limits = null, bool bom = false)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        if (bom)
        {
            bytes = [0xEF, 0xBB, 0xBF, .. bytes];
        }

        await using var input = new CountingStream(new MemoryStream(bytes), long.MaxValue);
        await using var reader = await CsvRowReader.OpenAsync(input, delimiter, preferTab: false, limits ?? new ReaderLimits(), CancellationToken.None);
        var rows = new List<(long, string[], string?)>();
        while (await reader.ReadAsync(CancellationToken.None))
        {
            rows.Add((reader.RowNumber, Enumerable.Range(0, reader.CellCount).Select(reader.Cell).ToArray(), reader.ProblemCode));
        }

        return rows;
    }

    [Fact]
    public async Task QuotedCells_KeepDelimitersNewlinesAndDoubledQuotes_WithPhysicalRowNumbers()
    {
        var rows = await ReadAllAsync("a,b,c\r\n1,\"x, y\",\"line one\nline two\"\r\n2,\"say \"\"hi\"\"\",\r\n3,z,\"\"\n");

        Assert.Equal(4, rows.Count);
        Assert.Equal(["1", "x, y", "line one\nline two"], rows[1].Cells);
        Assert.Equal(2, rows[1].Row);
        Assert.Equal(["2", "say \"hi\"", ""], rows[2].Cells);
        Assert.Equal(4, rows[2].Row); // the quoted newline made row 2 span two lines
        Assert.Equal(["3", "z", ""], rows[3].Cells);
        Assert.Equal(5, rows[3].Row);
        Assert.All(rows, r => Assert.Null(r.Code));
    }

    [Fact]
    public async Task ByteOrderMark_IsNotPartOfTheFirstHeader()
    {
        var rows = await ReadAllAsync("release_reason,n\nParoled,4\n", bom: true);

        Assert.Equal("release_reason", rows[0].Cells[0]);
        Assert.Equal(2, rows.Count);
    }

    [Theory]
    [InlineData(';')]
    [InlineData('\t')]
    [InlineData('|')]
    [InlineData(',')]
    public async Task Delimiter_IsDetectedFromConsistentSplits(char delimiter)
    {
        var d = delimiter.ToString();
        var text = $"name{d}amount{d}note\n\"a{(delimiter == ',' ? ";" : ",")}b\"{d}1{d}x\nc{d}2{d}y\n";

        var rows = await ReadAllAsync(text);

        Assert.All(rows, r => Assert.Equal(3, r.Cells.Length));
        Assert.Equal("2", rows[2].Cells[1]);
    }

    [Fact]
    public async Task TruncatedFile_LastRowCutInsideAQuote_IsReturnedWithTruncatedProblem()
    {
        var rows = await ReadAllAsync("a,b\n1,ok\n2,\"cut sh");

        Assert.Equal(3, rows.Count);
        Assert.Null(rows[1].Code);
        Assert.Equal("TRUNCATED_ROW", rows[2].Code);
        Assert.Equal(3, rows[2].Row);
    }

    [Fact]
    public async Task TextAfterClosingQuote_IsFlaggedMalformed_AndBlankLinesAreSkipped()
    {
        var rows = await ReadAllAsync("a,b\n\n1,\"x\"y\n\r\n2,z\n");

        Assert.Equal(3, rows.Count);
        Assert.Equal("MALFORMED_QUOTES", rows[1].Code);
        Assert.Equal(3, rows[1].Row);
        Assert.Equal(5, rows[2].Row);
    }

    [Fact]
    public async Task OverlongCell_IsCutAndFlagged_SoMemoryStaysBounded()
    {
        var rows = await ReadAllAsync("a\n\"" + new string('x', 5000) + "\"\nb\n", limits: new ReaderLimits { MaxCellChars = 100 });

        Assert.Equal("CELL_TOO_LONG", rows[1].Code);
        Assert.Equal(100, rows[1].Cells[0].Length);
        Assert.Equal("b", rows[2].Cells[0]);
    }

    [Fact]
    public async Task LargeFile_AcrossManyBufferRefills_ReadsEveryRowIntact()
    {
        var sb = new StringBuilder("id,text,n\n");
        for (var i = 0; i < 60_000; i++)
        {
            sb.Append(i).Append(i % 7 == 0 ? ",\"multi\nline, quoted \"\"text\"\"\"," : ",plain,").Append(i * 3).Append("\r\n");
        }

        var rows = await ReadAllAsync(sb.ToString());

        Assert.Equal(60_001, rows.Count);
        Assert.All(rows.Skip(1), r => Assert.Equal(3, r.Cells.Length));
        Assert.Equal("multi\nline, quoted \"text\"", rows[59_998].Cells[1]); // i = 59997 is a multiple of 7
        Assert.Equal((59_999 * 3).ToString(System.Globalization.CultureInfo.InvariantCulture), rows[^1].Cells[2]);
        Assert.Equal(2 + 60_000 + (60_000 + 6) / 7 - 1, rows[^1].Row); // every 7th record spans two lines
    }

    [Fact]
    public async Task VeryLongCells_LongerThanTheBuffer_AreKeptWhole_AndLaterShortRowsAreNotPolluted()
    {
        var big = string.Concat(Enumerable.Range(0, 30_000).Select(i => (char)('a' + i % 26))) + "\u00e9\u4e2d";
        var quoted = "x,\"y\n" + new string('q', 150_000) + "\"";
        var rows = await ReadAllAsync($"a,b,c\n1,{big},2\n{quoted},3\n4,,5\n6,z,7");

        Assert.Equal(5, rows.Count);
        Assert.Equal(["1", big, "2"], rows[1].Cells);
        Assert.Equal(["x", "y\n" + new string('q', 150_000), "3"], rows[2].Cells);
        Assert.Equal(["4", "", "5"], rows[3].Cells); // no leftover text from the long rows
        Assert.Equal(["6", "z", "7"], rows[4].Cells); // no final newline
        Assert.Equal(6, rows[4].Row);
        Assert.All(rows, r => Assert.Null(r.Code));
    }

    [Fact]
    public async Task OverlongCell_InTheMiddle_LeavesTheRowsOtherCellsIntact()
    {
        var rows = await ReadAllAsync("a,b,c\n1," + new string('x', 500) + ",3\n4,5,6\n", limits: new ReaderLimits { MaxCellChars = 100 });

        Assert.Equal("CELL_TOO_LONG", rows[1].Code);
        Assert.Equal(["1", new string('x', 100), "3"], rows[1].Cells);
        Assert.Equal(["4", "5", "6"], rows[2].Cells);
        Assert.Null(rows[2].Code);
    }

    [Fact]
    public async Task TooManyCells_KeepsTheFirstCells_AndFlagsTheRow()
    {
        var rows = await ReadAllAsync("a,b\n1,2,3,4,5\n6,7\n", limits: new ReaderLimits { MaxCells = 3 });

        Assert.Equal("TOO_MANY_CELLS", rows[1].Code);
        Assert.Equal(["1", "2", "3"], rows[1].Cells);
        Assert.Equal(["6", "7"], rows[2].Cells);
        Assert.Null(rows[2].Code);
    }

    [Fact]
    public async Task CrLineEnds_BlankLines_AndQuotedEmptyCells_MatchTheLfReading()
    {
        var lf = await ReadAllAsync("a;b\n\n\"\";\" x \"\n1;\"2\n3\"\n");
        var cr = await ReadAllAsync("a;b\r\r\"\";\" x \"\r1;\"2\n3\"\r");

        Assert.Equal(lf.Select(r => r.Cells), cr.Select(r => r.Cells));
        Assert.Equal(["", " x "], lf[1].Cells); // cells are not trimmed by the reader
        Assert.Equal(["1", "2\n3"], lf[2].Cells);
    }

    [Fact]
    public async Task InvalidUtf8_IsRefusedWithAClearError()
    {
        var bytes = new byte[] { (byte)'a', (byte)'\n', 0xC3, 0x28, (byte)'\n' };
        await using var input = new CountingStream(new MemoryStream(bytes), long.MaxValue);

        var e = await Assert.ThrowsAsync<DatasetFormatException>(async () =>
        {
            await using var reader = await CsvRowReader.OpenAsync(input, null, false, new ReaderLimits(), CancellationToken.None);
            while (await reader.ReadAsync(CancellationToken.None))
            {
            }
        });
        Assert.Contains("not valid UTF-8", e.Message, StringComparison.Ordinal);
    }
}
