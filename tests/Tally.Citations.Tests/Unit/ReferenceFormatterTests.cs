using Tally.Citations.References;
using Tally.Citations.V1;
using Tally.Common.V1;

namespace Tally.Citations.Tests.Unit;

public sealed class ReferenceFormatterTests
{
    private static readonly Source Report = new()
    {
        Id = "ice-report", Kind = SourceKind.OfficialReport, Publisher = "ICE", Title = "Annual Report [FY2024]",
        Url = "https://www.ice.gov/report", PublishedDate = "2024-12-19", RetrievedDate = "2025-01-02",
    };

    private static readonly Source Article = new() { Id = "news", Kind = SourceKind.News, Publisher = "Example News", Title = "Deportations" };

    private static ReferenceInput Input(string id, Source source, string fragment, bool verified = true, string accessed = "2025-11-22", int page = 0) => new(
        new Citation
        {
            Id = id, SourceId = source.Id, Fragment = fragment, Verified = verified, SnapshotId = "snap",
            Link = source.Url.Length > 0 ? Analysis.TextFragmentLink.Build(source.Url, fragment) : "",
            Locator = new Locator { Page = page, Section = page > 0 ? "Removals" : "" },
        },
        source,
        accessed);

    [Fact]
    public void SecondarySourceQuotingAnOriginal_NamesTheOriginal_AndKeepsTheQuotedSource()
    {
        var quoted = Input("f", Article, "the annual report shows 271,484 removals") with { Original = Report };

        var response = ReferenceFormatter.Format([quoted, Input("r", Report, "88,763")], ReferenceFormat.Text);

        var first = response.References[0];
        Assert.Equal(("news", "Example News", "ice-report", "ICE", "Annual Report [FY2024]", "https://www.ice.gov/report"),
            (Article.Id, first.Publisher, first.OriginalSourceId, first.OriginalPublisher, first.OriginalTitle, first.OriginalUrl));
        Assert.Equal("", response.References[1].OriginalSourceId);
        Assert.Contains("Reporting ICE, Annual Report [FY2024].", response.Rendered.Split('\n')[0], StringComparison.Ordinal);
    }

    [Fact]
    public void NumbersInOrderOfFirstUse_RepeatsKeepTheirNumber()
    {
        var inputs = new[] { Input("c", Report, "271,484 removals"), Input("a", Article, "a quote"), Input("c", Report, "271,484 removals"), Input("b", Report, "88,763") };

        var response = ReferenceFormatter.Format(inputs, ReferenceFormat.Text);

        Assert.Equal(["c", "a", "b"], response.References.Select(r => r.CitationId));
        Assert.Equal([1, 2, 3], response.References.Select(r => r.Number));
    }

    [Fact]
    public void SameSourceAndFragment_SharesOneNumber_AndListsTheMergedId()
    {
        var inputs = new[] { Input("x", Report, "ICE\u2019s 271,484 removals"), Input("y", Article, "q"), Input("z", Report, "ICE's 271,484  removals") };

        var response = ReferenceFormatter.Format(inputs, ReferenceFormat.Markdown);

        Assert.Equal(2, response.References.Count);
        Assert.Equal(["z"], response.References[0].MergedCitationIds);
        Assert.Equal(2, response.References[1].Number);
    }

    [Fact]
    public void SameFragmentFromAnotherSource_IsAnotherReference()
    {
        var response = ReferenceFormatter.Format([Input("x", Report, "same words"), Input("y", Article, "same words")], ReferenceFormat.Text);

        Assert.Equal(2, response.References.Count);
    }

    [Fact]
    public void Text_OneLinePerReference_WithAccessedDateLinkAndQuote()
    {
        var response = ReferenceFormatter.Format([Input("x", Report, "271,484 removals", page: 4), Input("y", Article, "a quote", verified: false, accessed: "")], ReferenceFormat.Text);

        var lines = response.Rendered.Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.Equal(
            "[1] ICE, Annual Report [FY2024], p. 4, Removals (accessed 2025-11-22). https://www.ice.gov/report#:~:text=271%2C484%20removals \"271,484 removals\"",
            lines[0]);
        Assert.StartsWith("[2] Example News, Deportations. \"a quote\"", lines[1], StringComparison.Ordinal);
        Assert.EndsWith("[quote not verified against the stored text]", lines[1], StringComparison.Ordinal);
        Assert.Equal("p. 4, Removals", response.References[0].LocatorText);
        Assert.Equal("2025-11-22", response.References[0].Accessed);
        Assert.Equal("2024-12-19", response.References[0].PublishedDate);
        Assert.Equal(SourceKind.OfficialReport, response.References[0].SourceKind);
    }

    [Fact]
    public void Markdown_TitleLinkedToThePassage_MarkupEscaped()
    {
        var response = ReferenceFormatter.Format([Input("x", Report, "271,484 removals")], ReferenceFormat.Markdown);

        Assert.Equal(
            "1. ICE, [Annual Report \\[FY2024\\]](https://www.ice.gov/report#:~:text=271%2C484%20removals) (accessed 2025-11-22): \"271,484 removals\"",
            response.Rendered);
    }

    [Fact]
    public void NoAccessedDateOnTheCitation_FallsBackToTheSourceRetrievedDate()
    {
        var response = ReferenceFormatter.Format([Input("x", Report, "q", accessed: "")], ReferenceFormat.Text);

        Assert.Equal("2025-01-02", response.References[0].Accessed);
    }
}
