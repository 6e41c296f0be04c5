using Tally.Cli.Rendering;
using Tally.Common.V1;
using Tally.Query.V1;

namespace Tally.Cli.Tests;

public sealed class AnswerRendererTests
{
    private static readonly string Full = AnswerRenderer.Render(SampleAnswers.Full(), RenderSettings.Plain, showResolution: true);

    [Fact]
    public void FullAnswer_HasEverySectionInOrder()
    {
        string[] sections =
        [
            " ANSWERED ", "ICE reported 271,484 removals", "Figures", "Caveats", "Related figures", "Calculations",
            "Data gaps: what would settle this", "Found in a source, not yet reviewed", "Follow-up questions",
            "How the question was read", "References", "served from:",
        ];
        var positions = sections.Select(s => Full.IndexOf(s, StringComparison.Ordinal)).ToArray();
        Assert.All(sections.Zip(positions), p => Assert.True(p.Second >= 0, $"section '{p.First}' missing:\n{Full}"));
        Assert.Equal(positions.Order(), positions);
    }

    [Fact]
    public void Figures_AreFormattedWithThousandsSeparatorsAndAligned()
    {
        Assert.Contains("  271,484   FY2024   ice-removals @ v2", Full, StringComparison.Ordinal);
        Assert.Contains("271,484", Full, StringComparison.Ordinal);
        Assert.Contains("88,763", Full, StringComparison.Ordinal);
        Assert.Contains("435,719", Full, StringComparison.Ordinal);
        Assert.Contains("1,234,567", Full, StringComparison.Ordinal);
        // Right-aligned value column: the two figure rows end their value at the same column.
        var lines = Full.Split('\n');
        var main = lines.Single(l => l.TrimStart().StartsWith("271,484 ", StringComparison.Ordinal));
        var component = lines.Single(l => l.TrimStart().StartsWith("88,763 ", StringComparison.Ordinal));
        Assert.Equal(main.IndexOf("271,484", StringComparison.Ordinal) + "271,484".Length,
            component.IndexOf("88,763", StringComparison.Ordinal) + "88,763".Length);
        Assert.Equal(main.IndexOf("FY2024", StringComparison.Ordinal), component.IndexOf("FY2024", StringComparison.Ordinal));
    }

    [Fact]
    public void FigureRows_NameMetricAtVersion_QualifierRoleAndCitations()
    {
        var main = Full.Split('\n').Single(l => l.TrimStart().StartsWith("271,484 ", StringComparison.Ordinal));
        Assert.Contains("ice-removals @ v2", main, StringComparison.Ordinal);
        Assert.Contains("exact", main, StringComparison.Ordinal);
        Assert.Contains("main", main, StringComparison.Ordinal);
        Assert.Contains("[1]", main, StringComparison.Ordinal);
        var component = Full.Split('\n').Single(l => l.TrimStart().StartsWith("88,763 ", StringComparison.Ordinal));
        Assert.Contains("component", component, StringComparison.Ordinal);
        Assert.Contains("[1] [2]", component, StringComparison.Ordinal);
    }

    [Fact]
    public void References_AreNumberedInOrderWithTitlePublisherLinkAndVerification()
    {
        var references = Full[Full.IndexOf("References", StringComparison.Ordinal)..];
        var one = references.IndexOf("[1] ✓ ICE Annual Report Fiscal Year 2024 — U.S. Immigration and Customs Enforcement", StringComparison.Ordinal);
        var two = references.IndexOf("[2] ✓ Does ICE release convicted criminals? — Factually", StringComparison.Ordinal);
        var three = references.IndexOf("[3] ✗ Letter to Congress on the non-detained docket — ICE", StringComparison.Ordinal);
        Assert.True(one >= 0 && two > one && three > two, references);
        Assert.Contains("https://www.ice.gov/doclib/eoy/iceAnnualReportFY2024.pdf#page=4", references, StringComparison.Ordinal);
        Assert.Contains("(2024-12-19, accessed 2025-01-02)", references, StringComparison.Ordinal);
        Assert.Contains("“271,484 removals”", references, StringComparison.Ordinal);
        Assert.Contains("(not found in the stored source)", references, StringComparison.Ordinal);
    }

    [Fact]
    public void Caveats_Related_Calculations_Gaps_AndServedFrom_ReadAsSpecified()
    {
        Assert.Contains("PERIOD_BASIS:", Full, StringComparison.Ordinal);
        Assert.Contains("FY2024 runs from October 1, 2023", Full, StringComparison.Ordinal);
        Assert.Contains("A stock on 2024-07-21, not removals", Full, StringComparison.Ordinal);
        Assert.Contains("(STOCK_NOT_FLOW, DIFFERENT_EVENT)", Full, StringComparison.Ordinal);
        Assert.Contains("as of 2024-07-21", Full, StringComparison.Ordinal);
        Assert.Contains("88763 / 271484 = 32.7%", Full, StringComparison.Ordinal);
        Assert.Contains("✓ matches the published 32.7% [2]", Full, StringComparison.Ordinal);
        Assert.Contains("What would settle it: DHS OIG complaint records", Full, StringComparison.Ordinal);
        Assert.Contains("- How did removals change from FY2023?", Full, StringComparison.Ordinal);
        Assert.Contains("served from: cache (catalog v7; data ice-detention-stats 2024-10-01)", Full, StringComparison.Ordinal);
    }

    [Fact]
    public void PlainSettings_HaveNoAnsiEscapes_NoTrailingSpaces_AndFitTheWidth()
    {
        Assert.DoesNotContain('\u001b', Full);
        var narrow = AnswerRenderer.Render(SampleAnswers.Full(), new RenderSettings(Width: 80));
        Assert.All(narrow.Split('\n'), line =>
        {
            Assert.True(line.Length <= 80, $"line longer than 80 columns: '{line}'");
            Assert.Equal(line.TrimEnd(), line);
        });
        Assert.Contains("271,484", narrow, StringComparison.Ordinal);
    }

    [Fact]
    public void AnsiSettings_StyleTheBadge()
    {
        var styled = AnswerRenderer.Render(SampleAnswers.Full(), RenderSettings.Plain with { Ansi = true });
        Assert.Contains("\u001b[", styled, StringComparison.Ordinal);
        Assert.Contains("ANSWERED", styled, StringComparison.Ordinal);
    }

    [Fact]
    public void AsciiSettings_ReplaceCheckMarks()
    {
        var ascii = AnswerRenderer.Render(SampleAnswers.Full(), RenderSettings.Plain with { Unicode = false });
        Assert.Contains("[1] yes ICE Annual Report", ascii, StringComparison.Ordinal);
        Assert.Contains("[3] NO  Letter to Congress", ascii, StringComparison.Ordinal);
        Assert.DoesNotContain('✓', ascii);
    }

    [Fact]
    public void SparseAnswer_OmitsEmptySections()
    {
        var text = AnswerRenderer.Render(SampleAnswers.NotPublished(), RenderSettings.Plain);
        Assert.StartsWith(" NOT_PUBLISHED ", text, StringComparison.Ordinal);
        Assert.Contains("No public source publishes", text, StringComparison.Ordinal);
        Assert.Contains("What would settle it: DHS OIG complaint records", text, StringComparison.Ordinal);
        Assert.Contains("served from: computed (catalog v3)", text, StringComparison.Ordinal);
        foreach (var absent in new[] { "Figures", "Caveats", "Related figures", "Calculations", "References", "Follow-up" })
        {
            Assert.DoesNotContain(absent, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ResolutionSection_IsShownOnlyWhenAsked()
    {
        var answer = SampleAnswers.Full();
        Assert.DoesNotContain("How the question was read", AnswerRenderer.Render(answer, RenderSettings.Plain), StringComparison.Ordinal);
        Assert.Contains("ice-removals @ v2 (chosen)", Full, StringComparison.Ordinal);
        Assert.Contains("alias 'removals' matches 'remove'", Full, StringComparison.Ordinal);
    }

    [Fact]
    public void ServerValueText_WinsOverLocalFormatting()
    {
        var answer = SampleAnswers.Full();
        answer.Figures[0].ValueText = "nearly 287,000";
        Assert.Contains("nearly 287,000", AnswerRenderer.Render(answer, RenderSettings.Plain), StringComparison.Ordinal);
    }

    [Fact]
    public void ServerTextWithBrackets_IsPrintedLiterally()
    {
        var answer = SampleAnswers.NotPublished();
        answer.Headline = "Text with [bold]markup[/] and [1] markers";
        Assert.Contains("Text with [bold]markup[/] and [1] markers", AnswerRenderer.Render(answer, RenderSettings.Plain), StringComparison.Ordinal);
    }
}

public sealed class FormatsTests
{
    [Theory]
    [InlineData(271484, "271,484")]
    [InlineData(1234567.5, "1,234,567.5")]
    [InlineData(0, "0")]
    [InlineData(-88763, "-88,763")]
    public void Number_UsesThousandsSeparators(double value, string expected) => Assert.Equal(expected, Formats.Number(value));

    [Theory]
    [InlineData(32.7, "percent", "", "32.7%")]
    [InlineData(886000000, "usd", "", "$886,000,000")]
    [InlineData(271484, "count", "", "271,484")]
    [InlineData(287000, "count", "nearly 287,000", "nearly 287,000")]
    public void Value_FollowsUnitUnlessServerFormattedIt(double value, string unit, string valueText, string expected) =>
        Assert.Equal(expected, Formats.Value(value, unit, valueText));

    [Theory]
    [InlineData(0.327, 0.32695, "32.7%", "32.7%")]
    [InlineData(32.7, 0.32695, "32.7%", "32.7%")]
    [InlineData(33, 32.695, "32.7%", "33.0%")]
    [InlineData(360000, 359870, "359,870", "360,000")]
    [InlineData(5, 4.8, "", "5")]
    public void PublishedValue_IsWrittenLikeTheRecomputedResult(double published, double result, string resultText, string expected) =>
        Assert.Equal(expected, Formats.LikeResult(published, result, resultText));

    [Fact]
    public void Period_PrefersLabel_ElseBuildsOne()
    {
        Assert.Equal("FY2024", Formats.Period(new Period { Kind = PeriodKind.FiscalYear, FiscalYear = 2024 }));
        Assert.Equal("as of 2024-07-21", Formats.Period(new Period { Kind = PeriodKind.AsOfDate, EndDate = "2024-07-21" }));
        Assert.Equal("FY2025 (to 2025-03-31)", Formats.Period(new Period { Kind = PeriodKind.FiscalYear, FiscalYear = 2025, YearToDate = true, EndDate = "2025-03-31" }));
        Assert.Equal("custom", Formats.Period(new Period { Kind = PeriodKind.FiscalYear, FiscalYear = 2024, Label = "custom" }));
    }

    [Fact]
    public void ProtoName_IsTheProtoSpelling()
    {
        Assert.Equal("NOT_PUBLISHED", Formats.ProtoName(AnswerStatus.NotPublished));
        Assert.Equal("STOCK_NOT_FLOW", Formats.ProtoName(Caveat.Types.Code.StockNotFlow));
        Assert.Equal("99", Formats.ProtoName((AnswerStatus)99));
    }
}
