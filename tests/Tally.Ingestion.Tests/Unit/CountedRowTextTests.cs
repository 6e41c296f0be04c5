using Tally.Ingestion.Datasets;

namespace Tally.Ingestion.Tests.Unit;

/// <summary>The row a computed figure cites, cut from the snapshot's text by the line the engine says it starts on.</summary>
public sealed class CountedRowTextTests
{
    [Theory]
    [InlineData(1, "a,b")]
    [InlineData(2, "1,2")]
    [InlineData(3, "\"x\ny\",3")]
    [InlineData(5, "4,5")]
    public void Record_ByStartingLine_WholeRowWithQuotedLineBreaks(long line, string expected)
    {
        const string text = "a,b\r\n1,2\r\n\"x\ny\",3\r\n4,5";

        Assert.Equal(expected, MetricComputer.Record(text, line));
    }

    [Theory]
    [InlineData(6)]
    [InlineData(99)]
    public void Record_PastTheEnd_Null(long line) => Assert.Null(MetricComputer.Record("a,b\n1,2\n\"x\ny\",3\n4,5\n", line));

    [Fact]
    public void Record_LongRow_CutToTheCitationLimit() =>
        Assert.Equal(2000, MetricComputer.Record("h\n" + new string('x', 5000) + "\n", 2)!.Length);
}
