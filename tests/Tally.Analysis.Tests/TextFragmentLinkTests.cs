namespace Tally.Analysis.Tests;

public sealed class TextFragmentLinkTests
{
    [Fact]
    public void Build_ShortFragment_IsSingleTextValue()
    {
        Assert.Equal("https://www.ice.gov/report#:~:text=271%2C484%20removals",
            TextFragmentLink.Build("https://www.ice.gov/report", "271,484 removals"));
    }

    [Theory]
    [InlineData("-", "%2D")]
    [InlineData("&", "%26")]
    [InlineData(",", "%2C")]
    [InlineData(" ", "%20")]
    [InlineData("#", "%23")]
    [InlineData("%", "%25")]
    [InlineData("’", "%E2%80%99")]
    public void Encode_DirectiveSyntaxCharacters_ArePercentEncoded(string input, string expected)
    {
        Assert.Equal(expected, TextFragmentLink.Encode(input));
    }

    [Fact]
    public void Build_ExistingFragment_IsReplaced()
    {
        var link = TextFragmentLink.Build("https://example.org/page?a=1#section-2", "at-large arrests");
        Assert.Equal("https://example.org/page?a=1#:~:text=at%2Dlarge%20arrests", link);
    }

    [Fact]
    public void Build_ExistingTextDirective_IsReplaced()
    {
        var link = TextFragmentLink.Build("https://example.org/#:~:text=old", "new");
        Assert.Equal("https://example.org/#:~:text=new", link);
    }

    [Fact]
    public void Build_LongFragment_UsesTextStartAndTextEnd()
    {
        const string fragment = "ICE told Congress there were 662,566 noncitizens with criminal histories on its national docket as of July 21, 2024";
        var link = TextFragmentLink.Build("https://example.org/a", fragment);
        Assert.Equal("https://example.org/a#:~:text=ICE%20told%20Congress%20there%20were,as%20of%20July%2021%2C%202024", link);
    }

    [Fact]
    public void Build_WhitespaceRuns_CollapseToSingleSpaces()
    {
        Assert.EndsWith("text=cases%20dropped", TextFragmentLink.Build("https://x.org/", " cases\n\t dropped "), StringComparison.Ordinal);
    }

    [Fact]
    public void Build_RelativeUrl_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => TextFragmentLink.Build("/relative/page", "text"));
        Assert.Contains("absolute", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_EmptyFragment_Throws()
    {
        Assert.Throws<ArgumentException>(() => TextFragmentLink.Build("https://x.org/", "  \n "));
    }
}
