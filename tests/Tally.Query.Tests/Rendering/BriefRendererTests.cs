using System.Text.RegularExpressions;
using Tally.Query.Rendering;
using Tally.Query.Tests.Support;

namespace Tally.Query.Tests.Rendering;

/// <summary>The Markdown brief has the seed fact-checks' shape and cites what the answer cites.</summary>
public sealed partial class BriefRendererTests
{
    private static readonly string[] Sections = ["## Summary", "## Findings", "## What the evidence does and does not support", "## References"];

    private static string Render(string question) =>
        BriefRenderer.Render(Compose.Ask(question), CatalogProto.Instance.Registry.Find, new DateOnly(2025, 11, 22));

    [Theory]
    [InlineData("How many people did ICE remove in fiscal year 2024?")]
    [InlineData("How many wrongful deportation cases were reported to the Department of Homeland Security in 2024?")]
    [InlineData("How many deportable immigrants with criminal convictions are released by ICE annually in recent years?")]
    public void SeedQuestion_BriefHasSummaryNumberedFindingsSupportAndReferencesInOrder(string question)
    {
        var md = Render(question);

        var headings = HeadingRegex().Matches(md).Select(m => m.Value.Trim()).ToList();
        Assert.Equal("# Fact check: " + question, headings[0]);
        var order = Sections.Select(h => headings.IndexOf(h)).ToList();
        Assert.DoesNotContain(-1, order);
        Assert.Equal(order.Order(), order);
        var findings = headings.Where(h => h.StartsWith("### ", StringComparison.Ordinal)).ToList();
        Assert.Equal(Enumerable.Range(1, findings.Count).Select(n => $"### {n}."), findings.Select(h => h.Split(' ')[0] + " " + h.Split(' ')[1]));
        Assert.Contains("**Supports:**", md, StringComparison.Ordinal);
        Assert.Contains("**Does not support:**", md, StringComparison.Ordinal);

        var references = md[md.IndexOf("## References", StringComparison.Ordinal)..];
        var numbers = ReferenceRegex().Matches(references).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(Enumerable.Range(1, numbers.Count), numbers);
        var body = md[..md.IndexOf("## References", StringComparison.Ordinal)];
        Assert.All(MarkerRegex().Matches(body).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)), n => Assert.Contains(n, numbers));
    }

    [Fact]
    public void Gap_BriefSaysWhatWouldSettleItAndNeverOffersARelatedNumberAsTheAnswer()
    {
        var md = Render("How many wrongful deportation cases were reported to the Department of Homeland Security in 2024?");

        Assert.Contains("## What would settle it", md, StringComparison.Ordinal);
        Assert.Contains("Freedom of Information Act", md, StringComparison.Ordinal);
        Assert.Contains("Reporting 68,869 (immigration court cases dismissed because DHS did not file the Notice to Appear) [1] as the answer", md, StringComparison.Ordinal);
        Assert.Contains("## Want to dive deeper?", md, StringComparison.Ordinal);
        Assert.Contains("- How many wrongful deportation cases were reported to the Department of Homeland Security in 2023?", md, StringComparison.Ordinal);
    }

    [Fact]
    public void Answered_BriefStatesDefinitionArithmeticAndReferenceWithLink()
    {
        var md = Render("How many people did ICE remove in fiscal year 2024?");

        Assert.Contains("**271,484** — ICE removals, FY2024 [1].", md, StringComparison.Ordinal);
        Assert.Contains("(Definition `ice-removals` version 1; final.)", md, StringComparison.Ordinal);
        Assert.Contains("88763 / 271484 = **32.7%** (recomputed by Tally); matches the published figure", md, StringComparison.Ordinal);
        Assert.Matches(@"\[1\] .*\*ICE Annual Report, Fiscal Year 2024\*.*<https://[^>]+#:~:text=[^>]+> Passage verified", md);
    }

    [GeneratedRegex(@"(?m)^#{1,3} .*$")]
    private static partial Regex HeadingRegex();

    [GeneratedRegex(@"(?m)^\[(\d+)\] ")]
    private static partial Regex ReferenceRegex();

    [GeneratedRegex(@"\[(\d+)\]")]
    private static partial Regex MarkerRegex();
}
