using Tally.Datasets.Writing;

namespace Tally.Datasets.Tests;

/// <summary>Cells of the CSV Tally writes: formulas neutralised with a leading apostrophe, numbers left numeric, RFC 4180 quoting.</summary>
public sealed class CsvCellTests
{
    [Theory]
    [InlineData("=HYPERLINK(\"http://evil\",\"x\")", "'=HYPERLINK(\"http://evil\",\"x\")")]
    [InlineData("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0")]
    [InlineData("-2+3", "'-2+3")]
    [InlineData("@SUM(A1:A2)", "'@SUM(A1:A2)")]
    [InlineData("\t=1+1", "'\t=1+1")]
    [InlineData("\r=1+1", "'\r=1+1")]
    [InlineData("-", "'-")]
    [InlineData("-Infinity", "'-Infinity")]
    [InlineData("-12", "-12")]
    [InlineData("+3.5", "+3.5")]
    [InlineData("-1,234", "-1,234")]
    [InlineData("-1e5", "-1e5")]
    [InlineData("Bonded Out", "Bonded Out")]
    [InlineData("", "")]
    [InlineData("a=b", "a=b")]
    public void Neutralise_FormulasGetAnApostrophe_NumbersStayNumeric(string cell, string expected) =>
        Assert.Equal(expected, CsvCell.Neutralise(cell));

    [Theory]
    [InlineData("Mexico", "Mexico")]
    [InlineData("Korea, South", "\"Korea, South\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("two\nlines", "\"two\nlines\"")]
    [InlineData("=1+1,2", "\"'=1+1,2\"")]
    [InlineData("-1,234", "\"-1,234\"")]
    [InlineData("\r=1", "\"'\r=1\"")]
    public void Format_NeutralisesThenQuotes(string cell, string expected) => Assert.Equal(expected, CsvCell.Format(cell));

    [Fact]
    public async Task GeneratedCsv_NoCellReadsAsAFormula()
    {
        var generator = new Generation.DetentionStayGenerator(7, new DateOnly(2022, 10, 1), new DateOnly(2025, 1, 31), new DateOnly(2025, 2, 28), 2000);
        await using var text = new StringWriter();
        await generator.WriteCsvAsync(text, 2000);
        await using var reader = await Reading.CsvRowReader.OpenAsync(new Reading.CountingStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text.ToString())), long.MaxValue), null, false, new Reading.ReaderLimits(), CancellationToken.None);

        var cells = 0;
        while (await reader.ReadAsync(CancellationToken.None))
        {
            for (var i = 0; i < reader.CellCount; i++, cells++)
            {
                var cell = reader.Cell(i);
                Assert.True(CsvCell.Neutralise(cell) == cell, $"row {reader.RowNumber}: cell '{cell}' would run as a formula");
            }
        }

        Assert.True(cells > 2000 * 10);
    }
}
