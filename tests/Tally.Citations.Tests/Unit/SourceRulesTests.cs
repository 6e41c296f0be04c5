using Tally.Catalog;
using Tally.Citations.Sources;
using Tally.Common.V1;

namespace Tally.Citations.Tests.Unit;

public sealed class SourceRulesTests
{
    [Theory]
    [InlineData("U.S. Immigration and Customs Enforcement (ICE)", "Annual Report, FY 2024", "ice-annual-report-fy-2024")]
    [InlineData("Example News", "Deportations up 10%", "example-news-deportations-up-10")]
    [InlineData("TRAC", "ICE’s docket", "trac-ices-docket")]
    public void DeriveId_SlugOfPublisherAndTitle(string publisher, string title, string expected)
    {
        Assert.Equal(expected, SourceRules.DeriveId(publisher, title));
    }

    [Fact]
    public void DeriveId_LongTitlesAreCutAtAWordBoundary()
    {
        var id = SourceRules.DeriveId("Factually", "Fact check: How many wrongful deportation cases were reported to the Department of Homeland Security in 2024?");

        Assert.True(id.Length <= 64, id);
        Assert.False(id.EndsWith('-'));
        Assert.StartsWith("factually-fact-check-how-many", id, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://WWW.ICE.gov/report/", "https://www.ice.gov/report")]
    [InlineData("https://www.ice.gov/report#section", "https://www.ice.gov/report")]
    [InlineData("https://www.ice.gov/report?a=1", "https://www.ice.gov/report?a=1")]
    [InlineData("", "")]
    public void UrlKey_IgnoresCaseOfHostTrailingSlashAndFragment(string url, string key)
    {
        Assert.Equal(key, SourceRules.UrlKey(url));
    }

    [Fact]
    public void Validate_ListsEveryProblemWithWhatToDo()
    {
        var problems = SourceRules.Validate(new Source { Id = "Bad Id", Url = "ftp://x", PublishedDate = "2024-13" });

        Assert.Contains(problems, p => p.StartsWith("kind is required", StringComparison.Ordinal) && p.Contains("FACT_CHECK", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("title is required", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("publisher is required", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("'Bad Id' is not a lowercase slug", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("not an absolute http(s) address", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("published_date '2024-13'", StringComparison.Ordinal));
        Assert.Empty(SourceRules.Validate(new Source { Kind = SourceKind.News, Title = "T", Publisher = "P", PublishedDate = "2024-06" }));
    }

    [Fact]
    public void Nearest_FindsCloseIds()
    {
        var nearest = SourceRules.Nearest("ice-annual-report-fy2042", ["ice-annual-report-fy2024", "ice-annual-report-fy2024-page", "trac-report-739"]);

        Assert.Equal("ice-annual-report-fy2024", nearest[0]);
        Assert.DoesNotContain("trac-report-739", nearest);
    }

    [Fact]
    public void CatalogCitationIds_AreDeterministicAndTypographyBlind()
    {
        var curly = CitationIds.ForSourceFragment("s", "ICE\u2019s 271,484 removals");

        Assert.Equal(curly, CitationIds.ForSourceFragment("s", "ICE's 271,484  removals"));
        Assert.NotEqual(curly, CitationIds.ForSourceFragment("t", "ICE's 271,484 removals"));
        Assert.NotEqual(curly, CitationIds.ForSourceFragment("s", "ICE's 271,485 removals"));
        Assert.Matches("^cit-[0-9a-f]{20}$", curly);
    }
}
