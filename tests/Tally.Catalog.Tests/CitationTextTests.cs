namespace Tally.Catalog.Tests;

public sealed class CitationTextTests
{
    [Theory]
    [InlineData("ICE\u2019s \u201Cnational docket\u201D", "ICE's \"national docket\"")]
    [InlineData("criminal\u2011history removals", "criminal-history removals")]
    [InlineData("members\u2014as of", "members-as of")]
    [InlineData("2018\u20132024", "2018-2024")]
    [InlineData("113,431\nadministrative\u00A0arrests", "113,431 administrative arrests")]
    [InlineData("  1.8M +\r\n  removal\u2009hearings  ", "1.8M + removal hearings")]
    [InlineData("wait\u2026", "wait...")]
    public void Normalize_MapsTypographyToPlainText(string input, string expected)
    {
        Assert.Equal(expected, CitationText.Normalize(input));
    }

    [Fact]
    public void Contains_IgnoresTypographyButNotWording()
    {
        const string text = "ICE reported 88,763 criminal\u2011history removals in FY2024 out of 271,484 total removals";

        Assert.True(CitationText.Contains(text, "88,763 criminal-history removals"));
        Assert.False(CitationText.Contains(text, "88,763 criminal removals"));
        Assert.False(CitationText.Contains(text, "88,736 criminal-history removals"));
    }
}
