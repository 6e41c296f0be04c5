namespace Tally.Analysis.Tests;

public sealed class SentenceSplitterTests
{
    private static string[] Split(string text) => SentenceSplitter.Split(text).Select(s => s.Slice(text)).ToArray();

    [Fact]
    public void Split_TwoSentences_SplitsAtPeriod()
    {
        Assert.Equal(["ICE removed 271,484 people.", "Most had no record."], Split("ICE removed 271,484 people. Most had no record."));
    }

    [Theory]
    [InlineData("U.S. citizen children were held in CBP custody. Then more.", "U.S. citizen children were held in CBP custody.")]
    [InlineData("Filed Dec. 5 by the agency. Then more.", "Filed Dec. 5 by the agency.")]
    [InlineData("See No. 5 in the list. Then more.", "See No. 5 in the list.")]
    [InlineData("Mr. Wessler said so. Then more.", "Mr. Wessler said so.")]
    [InlineData("Written by J. Smith for DHS. Then more.", "Written by J. Smith for DHS.")]
    [InlineData("The rate was 32.7 percent. Then more.", "The rate was 32.7 percent.")]
    [InlineData("Cases, e.g. dismissals, rose. Then more.", "Cases, e.g. dismissals, rose.")]
    public void Split_Abbreviations_DoNotEndSentences(string text, string first)
    {
        Assert.Equal([first, "Then more."], Split(text));
    }

    [Fact]
    public void Split_QuestionAndExclamation_EndSentences()
    {
        Assert.Equal(["How many?", "Nobody knows!", "Really."], Split("How many? Nobody knows! Really."));
    }

    [Fact]
    public void Split_ClosingQuoteAfterPeriod_StaysWithSentence()
    {
        Assert.Equal(["He said “no.”", "Then more."], Split("He said “no.” Then more."));
    }

    [Fact]
    public void Split_NumberedHeading_IsNotSplitAfterListNumber()
    {
        var parts = Split("Intro text.\n\n1. The big headline: dropped cases\n\nSyracuse compiled data.");
        Assert.Equal(["Intro text.", "1. The big headline: dropped cases", "Syracuse compiled data."], parts);
    }

    [Fact]
    public void Split_BlankLine_EndsSentenceWithoutPunctuation()
    {
        Assert.Equal(["Executive Summary", "The data show"], Split("Executive Summary\n\nThe data show"));
    }

    [Fact]
    public void Split_BulletLines_AreSeparateSentences()
    {
        var parts = Split("Cases:\n  • More than 50,200 orders of relief\n  • Nearly 287,000 removal orders\n");
        Assert.Equal(["Cases:", "More than 50,200 orders of relief", "Nearly 287,000 removal orders"], parts);
    }

    [Fact]
    public void Split_StatCardLines_StayTogether()
    {
        var parts = Split("ERO\n\n113,431\nadministrative arrests\n33,243\nat-large arrests");
        Assert.Equal(["ERO", "113,431\nadministrative arrests\n33,243\nat-large arrests"], parts);
    }

    [Fact]
    public void Split_LowercaseAfterPeriod_DoesNotSplit()
    {
        Assert.Single(Split("The figure was approx. half of the total."));
    }

    [Fact]
    public void SentenceAt_OffsetInsideSecondSentence_ReturnsIt()
    {
        const string text = "One. Two three.";
        var sentences = SentenceSplitter.Split(text);
        Assert.Equal("Two three.", SentenceSplitter.SentenceAt(sentences, text.IndexOf("three", StringComparison.Ordinal))!.Value.Slice(text));
    }

    [Fact]
    public void Split_EmptyText_YieldsNothing()
    {
        Assert.Empty(SentenceSplitter.Split("   \n  "));
    }
}
