using Tally.Analysis;
using Tally.Citations.Checking;
using Outcome = Tally.Common.V1.Verification.Types.Outcome;

namespace Tally.Citations.Tests.Unit;

public sealed class FragmentCheckTests
{
    private const string Snapshot = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    private static CheckResult Check(string text, string fragment) => FragmentCheck.Check(Snapshot, text, new FragmentLocator(text), fragment);

    [Fact]
    public void VerbatimFragment_FoundExactWithOffsets()
    {
        const string text = "Intro. ICE reported 271,484 ERO removals in FY2024. More.";

        var result = Check(text, "271,484 ERO removals");

        Assert.Equal(Outcome.FoundExact, result.Outcome);
        Assert.Equal("271,484 ERO removals", text[result.CharStart..result.CharEnd]);
        Assert.Contains("verbatim at characters 20-40", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void DifferentTypography_FoundNormalised_OffsetsInTheOriginalText()
    {
        const string text = "ICE\u2019s report:\n271\u202F484 ERO\u00A0removals \u2014 in FY2024";

        var result = Check(text, "ICE's report: 271,484 ERO removals - in FY2024");

        Assert.Equal(Outcome.FoundNormalised, result.Outcome);
        Assert.Equal(0, result.CharStart);
        Assert.Equal(text.Length, result.CharEnd);
        Assert.Contains("after typography normalisation", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void OneDigitChanged_NotFound_DetailSaysWhereItDiffers()
    {
        const string text = "ICE reported 271,484 ERO removals in FY2024.";

        var result = Check(text, "ICE reported 271,485 ERO removals in FY2024");

        Assert.Equal(Outcome.NotFound, result.Outcome);
        Assert.False(result.Verified);
        Assert.Contains("differs at word 3", result.Detail, StringComparison.Ordinal);
        Assert.Contains("'271,485' (fragment)", result.Detail, StringComparison.Ordinal);
        Assert.Contains("'271,484' (document)", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void DifferentWord_NotFound()
    {
        var result = Check("ICE reported 271,484 ERO removals in FY2024.", "ICE reported 271,484 ERO returns");

        Assert.Equal(Outcome.NotFound, result.Outcome);
        Assert.Contains("'returns' (fragment) vs 'removals' (document)", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void EmptySnapshotText_SnapshotMissing()
    {
        Assert.Equal(Outcome.SnapshotMissing, Check("", "anything").Outcome);
    }

    [Theory]
    [InlineData("https://example.org/page#old", "text/html", 0, "https://example.org/page#:~:text=a%20passage")]
    [InlineData("https://example.org/r.pdf", "application/pdf", 12, "https://example.org/r.pdf#page=12")]
    [InlineData("https://example.org/r.pdf", "application/pdf", 0, "https://example.org/r.pdf")]
    [InlineData("", "text/html", 0, "")]
    public void PassageLinks_FitTheMediaType(string url, string mediaType, int page, string expected)
    {
        Assert.Equal(expected, PassageLinks.For(url, mediaType, new Common.V1.Locator { Page = page }, "a passage"));
    }
}
