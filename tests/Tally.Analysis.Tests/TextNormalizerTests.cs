namespace Tally.Analysis.Tests;

public sealed class TextNormalizerTests
{
    private static void SameAfterFolding(string a, string b) =>
        Assert.Equal(TextNormalizer.ForMatching(a), TextNormalizer.ForMatching(b));

    private static void DifferentAfterFolding(string a, string b) =>
        Assert.NotEqual(TextNormalizer.ForMatching(a), TextNormalizer.ForMatching(b));

    [Theory]
    [InlineData("ICE’s report", "ICE's report")]
    [InlineData("“wrongful deportations”", "\"wrongful deportations\"")]
    [InlineData("‘quoted’", "'quoted'")]
    [InlineData("«cases»", "\"cases\"")]
    [InlineData("2018–2024", "2018-2024")]
    [InlineData("2018 — 2024", "2018-2024")]
    [InlineData("removals—returns", "removals - returns")]
    [InlineData("removals--returns", "removals—returns")]
    [InlineData("non‑detained docket", "non-detained docket")]
    [InlineData("−5", "-5")]
    [InlineData("271\u00A0484 removals", "271484 removals")]
    [InlineData("271,484 removals", "271\u202F484 removals")]
    [InlineData("271,484 removals", "271\u2009484 removals")]
    [InlineData("1,234,567", "1234567")]
    [InlineData("removals\nin FY2024", "removals in FY2024")]
    [InlineData("removals  \t in\u00A0FY2024", "removals in FY2024")]
    [InlineData("  leading and trailing  ", "leading and trailing")]
    [InlineData("remov\u00ADals", "removals")]
    [InlineData("remov-\nals", "removals")]
    [InlineData("at-\nlarge arrests", "at-large arrests")]
    [InlineData("zero\u200Bwidth", "zerowidth")]
    [InlineData("\uFEFFbom", "bom")]
    [InlineData("ﬁscal year", "fiscal year")]
    [InlineData("wait…", "wait...")]
    [InlineData("Removals", "removals")]
    [InlineData("32.7 %", "32.7%")]
    [InlineData("Pen\u0303a", "Peña")]
    public void ForMatching_TypographyVariants_FoldTogether(string a, string b)
    {
        SameAfterFolding(a, b);
    }

    [Theory]
    [InlineData("271,484", "271,485")]
    [InlineData("1,000", "1.000")]
    [InlineData("32.7%", "32.8%")]
    [InlineData("removals", "returns")]
    [InlineData("271 484", "271484")]
    [InlineData("convicted individuals", "convicted persons")]
    [InlineData("at large", "at-large")]
    [InlineData("12,34", "1234")]
    [InlineData("2018-2024", "20182024")]
    [InlineData("-5", "5")]
    public void ForMatching_DifferentWordsOrNumbers_StayDifferent(string a, string b)
    {
        DifferentAfterFolding(a, b);
    }

    [Fact]
    public void ForMatching_ThousandsSeparatorsRemoved_DecimalsKept()
    {
        Assert.Equal("271484 removals, 32.7% of 1234567.5", TextNormalizer.ForMatching("271,484 removals, 32.7% of 1,234,567.5"));
    }

    [Fact]
    public void ForMatching_ListOfSmallNumbers_KeepsCommas()
    {
        Assert.Equal("1,2,3 and 2018, 2019", TextNormalizer.ForMatching("1,2,3 and 2018, 2019"));
    }

    [Fact]
    public void Normalize_MapsEveryCharacterBackToTheOriginal()
    {
        const string original = "ICE’s  “271,484”\nremov\u00ADals";
        var n = TextNormalizer.Normalize(original);
        Assert.Equal("ice's \"271484\" removals", n.Text);
        var start = n.Text.IndexOf("271484", StringComparison.Ordinal);
        Assert.Equal("271,484", n.ToOriginal(start, 6).Slice(original));
        var rem = n.Text.IndexOf("removals", StringComparison.Ordinal);
        Assert.Equal("remov\u00ADals", n.ToOriginal(rem, 8).Slice(original));
    }

    [Fact]
    public void Normalize_ComposedAccent_MapsToBothOriginalCharacters()
    {
        const string original = "Sen\u0303or";
        var n = TextNormalizer.Normalize(original);
        Assert.Equal("señor", n.Text);
        Assert.Equal("Sen\u0303", n.ToOriginal(0, 3).Slice(original));
    }

    [Fact]
    public void Normalize_EmptyString_IsEmpty()
    {
        Assert.Equal(string.Empty, TextNormalizer.ForMatching("  \u00AD \n "));
    }
}
