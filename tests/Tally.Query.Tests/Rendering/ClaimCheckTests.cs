using System.Text.Json;
using Tally.Query.Rendering;
using Tally.Query.Tests.Support;
using Tally.Query.V1;

namespace Tally.Query.Tests.Rendering;

/// <summary>Claim verdicts against composed answers, and the schema.org ClaimReview they produce.</summary>
public sealed class ClaimCheckTests
{
    private static (Verdict Verdict, string Explanation, ClaimedFigure? Claimed, Answer Answer) Check(string claim)
    {
        var answer = Compose.Ask(claim);
        var claimed = ClaimChecker.Claimed(claim, new DateOnly(2025, 11, 22));
        var (verdict, explanation) = ClaimChecker.Rate(claimed, answer);
        return (verdict, explanation, claimed, answer);
    }

    [Theory]
    [InlineData("ICE deported 271,484 people in fiscal year 2024", Verdict.Accurate)]
    [InlineData("ICE removed 271,484 noncitizens in FY2024", Verdict.Accurate)]
    [InlineData("ICE deported 271,484 people in 2024", Verdict.MostlyAccurate)]
    [InlineData("ICE deported about 270,000 people in fiscal year 2024", Verdict.MostlyAccurate)]
    [InlineData("ICE deported 350,000 people in fiscal year 2024", Verdict.Inaccurate)]
    [InlineData("ICE releases 435,719 convicted criminals every year", Verdict.Misleading)]
    [InlineData("ICE released 88,763 convicted criminals in fiscal year 2024", Verdict.Misleading)]
    [InlineData("DHS received 5,000 wrongful deportation complaints in 2024", Verdict.Unsupported)]
    [InlineData("ICE is doing a terrible job", Verdict.NotCheckable)]
    public void Claim_RatedAgainstTheAnswer(string claim, Verdict expected)
    {
        var (verdict, explanation, _, answer) = Check(claim);

        Assert.True(verdict == expected, $"{verdict}: {explanation}\n{answer.Describe()}");
        Assert.False(string.IsNullOrWhiteSpace(explanation));
    }

    [Fact]
    public void DocketNumberClaimedAsAnnualReleases_ExplanationSaysWhatItMeasures()
    {
        var (_, explanation, claimed, _) = Check("ICE releases 435,719 convicted criminals every year");

        Assert.Equal(435719, claimed!.Value);
        Assert.Contains("435,719 (convicted noncitizens on ICE's national docket, as of July 21, 2024)", explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void ClaimReview_IsValidJsonLdWithRatingClaimAndCitations()
    {
        const string claim = "ICE releases 435,719 convicted criminals every year";
        var (verdict, explanation, _, answer) = Check(claim);
        var request = new CheckClaimRequest { Claim = claim, Claimant = "Example Campaign", ClaimUrl = "https://example.org/speech", ClaimDate = "2025-10-01" };

        var json = ClaimReviewJsonLd.Build(request, verdict, explanation, answer, new DateOnly(2025, 11, 22));

        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        Assert.Equal("https://schema.org", root.GetProperty("@context").GetString());
        Assert.Equal("ClaimReview", root.GetProperty("@type").GetString());
        Assert.Equal(claim, root.GetProperty("claimReviewed").GetString());
        Assert.Equal("2025-11-22", root.GetProperty("datePublished").GetString());
        var rating = root.GetProperty("reviewRating");
        Assert.Equal(("Rating", "Misleading", 2, 5, 1), (rating.GetProperty("@type").GetString(), rating.GetProperty("alternateName").GetString(),
            rating.GetProperty("ratingValue").GetInt32(), rating.GetProperty("bestRating").GetInt32(), rating.GetProperty("worstRating").GetInt32()));
        var item = root.GetProperty("itemReviewed");
        Assert.Equal("Claim", item.GetProperty("@type").GetString());
        Assert.Equal(("Organization", "Example Campaign"), (item.GetProperty("author").GetProperty("@type").GetString(), item.GetProperty("author").GetProperty("name").GetString()));
        Assert.Equal("https://example.org/speech", item.GetProperty("appearance").GetProperty("url").GetString());
        Assert.Equal(answer.Citations.Count, root.GetProperty("citation").GetArrayLength());
    }

    [Fact]
    public void ClaimReview_UnsupportedVerdict_HasNoNumericRating()
    {
        var request = new CheckClaimRequest { Claim = "DHS received 5,000 wrongful deportation complaints in 2024" };
        var (verdict, explanation, _, answer) = Check(request.Claim);

        using var doc = JsonDocument.Parse(ClaimReviewJsonLd.Build(request, verdict, explanation, answer, new DateOnly(2025, 11, 22)));

        var rating = doc.RootElement.GetProperty("reviewRating");
        Assert.False(rating.TryGetProperty("ratingValue", out _));
        Assert.Equal("Unsupported", rating.GetProperty("alternateName").GetString());
        Assert.False(doc.RootElement.GetProperty("itemReviewed").TryGetProperty("author", out _));
    }
}
