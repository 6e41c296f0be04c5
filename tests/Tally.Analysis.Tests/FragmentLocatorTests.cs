namespace Tally.Analysis.Tests;

public sealed class FragmentLocatorTests
{
    private const string Document =
        "ICE’s FY2024 annual report separately shows 271,484 ERO removals in FY2024, 88,763 (32.7%) of which had " +
        "criminal histories — a removals metric, not a releases metric.\n\nICE told Congress there were 662,566 " +
        "noncitizens with criminal\nhistories on its national docket as of July 21, 2024.";

    [Fact]
    public void Find_ExactFragment_ReturnsOriginalOffsets()
    {
        var m = FragmentLocator.Find(Document, "271,484 ERO removals in FY2024");
        Assert.True(m.Found);
        Assert.Equal(Document.IndexOf("271,484 ERO", StringComparison.Ordinal), m.Span!.Value.Start);
        Assert.Equal("271,484 ERO removals in FY2024", m.MatchedText);
        Assert.Equal(1, m.Occurrences);
        Assert.Null(m.Reason);
    }

    [Theory]
    [InlineData("ICE's FY2024 annual report")]
    [InlineData("ice’s fy2024 ANNUAL report")]
    [InlineData("271484 ERO removals")]
    [InlineData("271\u202F484 ERO removals")]
    [InlineData("criminal histories - a removals metric")]
    [InlineData("criminal histories–a removals metric")]
    [InlineData("662,566 noncitizens with criminal histories on its national docket")]
    [InlineData("  662,566   noncitizens\twith criminal histories ")]
    public void Find_TypographyDifferences_StillFound(string fragment)
    {
        var m = FragmentLocator.Find(Document, fragment);
        Assert.True(m.Found, m.Reason);
    }

    [Fact]
    public void Find_FragmentAcrossLineBreak_MapsSpanOverTheBreak()
    {
        var m = FragmentLocator.Find(Document, "with criminal histories on its");
        Assert.True(m.Found);
        Assert.Equal("with criminal\nhistories on its", m.MatchedText);
    }

    [Fact]
    public void Find_CurlyApostropheInDocument_MatchedTextKeepsDocumentTypography()
    {
        var m = FragmentLocator.Find(Document, "ICE's FY2024");
        Assert.Equal("ICE’s FY2024", m.MatchedText);
    }

    [Fact]
    public void Find_DifferentNumber_IsNotFoundAndSaysWhere()
    {
        var m = FragmentLocator.Find(Document, "shows 271,485 ERO removals in FY2024");
        Assert.False(m.Found);
        Assert.Equal(2, m.DifferingWord);
        Assert.Contains("differs at word 2: '271,485' (fragment) vs '271,484' (document)", m.Reason, StringComparison.Ordinal);
        Assert.Equal(Document.IndexOf("shows 271,484", StringComparison.Ordinal), m.ClosestSpan!.Value.Start);
    }

    [Fact]
    public void Find_DifferentWord_IsNotFoundAndNamesBothWords()
    {
        var m = FragmentLocator.Find(Document, "271,484 ERO returns in FY2024");
        Assert.False(m.Found);
        Assert.Equal(3, m.DifferingWord);
        Assert.Contains("differs at word 3: 'returns' (fragment) vs 'removals' (document)", m.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Find_SpaceSeparatedDigitsWithAsciiSpace_AreNotAThousandsSeparator()
    {
        Assert.False(FragmentLocator.Find(Document, "271 484 ERO removals").Found);
    }

    [Fact]
    public void Find_DocumentEndsEarly_ReasonSaysSo()
    {
        var m = FragmentLocator.Find(Document, "as of July 21, 2024. And more words");
        Assert.False(m.Found);
        Assert.Contains("document ends", m.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Find_NoSharedWords_ReasonSaysSo()
    {
        var m = FragmentLocator.Find(Document, "zebras quantum");
        Assert.False(m.Found);
        Assert.Contains("shares a word", m.Reason, StringComparison.Ordinal);
        Assert.Null(m.ClosestSpan);
    }

    [Fact]
    public void Find_EmptyFragment_IsNotFoundWithReason()
    {
        var m = FragmentLocator.Find(Document, " \u00AD ");
        Assert.False(m.Found);
        Assert.Contains("empty", m.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Find_RepeatedFragment_CountsOccurrences()
    {
        var m = FragmentLocator.Find(Document, "in FY2024");
        Assert.True(m.Found);
        Assert.Equal(1, m.Occurrences);
        var m2 = FragmentLocator.Find(Document, "metric");
        Assert.Equal(2, m2.Occurrences);
    }

    [Fact]
    public void Find_InstanceReusedForManyFragments_GivesSameAnswers()
    {
        var locator = new FragmentLocator(Document);
        Assert.True(locator.Find("88,763 (32.7%)").Found);
        Assert.False(locator.Find("88,763 (32.8%)").Found);
        Assert.True(locator.Find("as of July 21, 2024").Found);
    }

    [Fact]
    public void Find_PunctuationOnlyDifference_IsReported()
    {
        var m = FragmentLocator.Find(Document, "in FY2024; 88,763");
        Assert.False(m.Found);
        Assert.Contains("punctuation differs", m.Reason, StringComparison.Ordinal);
    }
}
