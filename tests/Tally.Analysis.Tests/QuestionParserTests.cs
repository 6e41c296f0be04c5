namespace Tally.Analysis.Tests;

public sealed class QuestionParserTests
{
    internal static readonly Glossary Sample = new(
    [
        new GlossaryTerm("deported", "removal") { Also = ["return"], Note = "everyday 'deported' often includes returns" },
        new GlossaryTerm("deport", "removal") { Also = ["return"] },
        new GlossaryTerm("deportation", "removal") { Also = ["return"] },
        new GlossaryTerm("removals", "removal"),
        new GlossaryTerm("returns", "return"),
        new GlossaryTerm("wrongful deportation", "wrongful_deportation"),
        new GlossaryTerm("released", "book_out_release"),
        new GlossaryTerm("released into the community", "book_out_release_community"),
        new GlossaryTerm("criminal convictions", "convicted"),
        new GlossaryTerm("convicted", "convicted"),
        new GlossaryTerm("criminal", "criminal_history") { Also = ["pending_charges"] },
        new GlossaryTerm("non-detained docket", "non_detained_docket"),
    ]);

    private static ParsedQuestion Parse(string q) => QuestionParser.Parse(q, Sample, TestDates.Today);

    [Fact]
    public void Parse_SeedWrongfulDeportationQuestion_ReadsAllParts()
    {
        var p = Parse("How many wrongful deportation cases were reported to the Department of Homeland Security in 2024?");
        Assert.Equal(QuestionKind.HowMany, p.Kind);
        Assert.Equal("DHS", Assert.Single(p.Agencies).Agency.Code);
        var period = Assert.Single(p.Periods);
        Assert.Equal("CY2024", period.Normalized);
        Assert.True(period.BasisAmbiguous);
        var concept = Assert.Single(p.Concepts);
        Assert.Equal("wrongful_deportation", concept.Concept); // longest term wins over "deportation"
        Assert.Equal("wrongful deportation", concept.Text);
        Assert.Contains("cas", p.OtherTerms);
        Assert.Contains(p.Reasons, r => r.StartsWith("kind: HowMany", StringComparison.Ordinal));
        Assert.Contains(p.Reasons, r => r.StartsWith("period:", StringComparison.Ordinal) && r.Contains("ambiguous", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_SeedReleasedAnnuallyQuestion_FindsAnnualRecentAndConcepts()
    {
        var p = Parse("How many deportable immigrants with criminal convictions are released by ICE annually in recent years?");
        Assert.Equal(QuestionKind.HowMany, p.Kind);
        Assert.Equal("ICE", Assert.Single(p.Agencies).Agency.Code);
        Assert.Equal([PeriodKind.Annual, PeriodKind.Recent], p.Periods.Select(x => x.Kind));
        Assert.Equal(["convicted", "book_out_release"], p.Concepts.Select(c => c.Concept));
    }

    [Fact]
    public void Parse_SeedDeportQuestion_MapsDeportToRemovalAlsoReturn()
    {
        var p = Parse("How many people did ICE deport in 2024?");
        var c = Assert.Single(p.Concepts);
        Assert.Equal("removal", c.Concept);
        Assert.Equal(["return"], c.Also);
        Assert.Contains("may also mean: return", c.Reason, StringComparison.Ordinal);
        Assert.Equal("CY2024", Assert.Single(p.Periods).Normalized);
    }

    [Fact]
    public void Parse_AllLowerCase_MatchesAcronymWithReason()
    {
        var p = Parse("how many people did ice deport in fy2024");
        var a = Assert.Single(p.Agencies);
        Assert.Equal("ICE", a.Agency.Code);
        Assert.Contains("lower-case", a.Reason, StringComparison.Ordinal);
        Assert.Equal("FY2024", Assert.Single(p.Periods).Normalized);
    }

    [Fact]
    public void Parse_MixedCaseIceAsWord_IsNotAnAgency()
    {
        Assert.Empty(Parse("Is there Ice on the roads in Washington this year?").Agencies);
    }

    [Theory]
    [InlineData("What share of ICE removals in FY2024 had criminal histories?", QuestionKind.WhatShare)]
    [InlineData("What percentage of removals were of convicted people?", QuestionKind.WhatShare)]
    [InlineData("what proportion of book-outs were releases", QuestionKind.WhatShare)]
    [InlineData("How many removals did ICE carry out in FY2024?", QuestionKind.HowMany)]
    [InlineData("What was the number of removals in FY2024?", QuestionKind.HowMany)]
    [InlineData("How much did ICE spend on detention in FY2024?", QuestionKind.HowMuch)]
    [InlineData("Did ICE removals increase in FY2024?", QuestionKind.Trend)]
    [InlineData("Have deportations risen since 2020?", QuestionKind.Trend)]
    [InlineData("Has the number of removals declined since 2014?", QuestionKind.Trend)]
    [InlineData("How has the number of removals changed since 2014?", QuestionKind.Trend)]
    [InlineData("ICE deported 271,484 people in FY2024.", QuestionKind.ClaimStatement)]
    [InlineData("Is it true that ICE released 435,719 convicted criminals?", QuestionKind.ClaimStatement)]
    [InlineData("Did ICE deport more than 1 million people in 2024?", QuestionKind.ClaimStatement)]
    [InlineData("The governor said that ICE releases criminals every year", QuestionKind.ClaimStatement)]
    [InlineData("ICE removals FY2024", QuestionKind.Lookup)]
    [InlineData("Why does ICE release people?", QuestionKind.Other)]
    public void Parse_QuestionForms_AreClassified(string question, QuestionKind expected)
    {
        var p = Parse(question);
        Assert.Equal(expected, p.Kind);
        Assert.Contains(p.Reasons, r => r.StartsWith("kind: " + expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_FactCheckPrefix_IsALabelNotAClaim()
    {
        var p = Parse("Fact check: How many wrongful deportation cases were reported to DHS in 2024?");
        Assert.Equal(QuestionKind.HowMany, p.Kind);
        Assert.Contains(p.Reasons, r => r.Contains("prefix is a label", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_ClaimWithFigure_ExtractsFigure()
    {
        var p = Parse("ICE deported 271,484 people in FY2024.");
        var f = Assert.Single(p.Figures);
        Assert.Equal(271484, f.Value);
        Assert.Equal("people", f.UnitPhrase);
        Assert.Contains(p.Reasons, r => r.StartsWith("figure: '271,484' = 271484", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_AsOfQuestion_HasStockPeriod()
    {
        var p = Parse("How many convicted noncitizens were on ICE's non-detained docket as of July 21, 2024?");
        Assert.True(Assert.Single(p.Periods).IsStock);
        Assert.Equal(["convicted", "non_detained_docket"], p.Concepts.Select(c => c.Concept));
    }

    [Fact]
    public void Parse_Tokens_AreLowerCasedStemmedAndSpanned()
    {
        const string q = "ICE's removals: 271,484 deported U.S. book-outs?";
        var p = QuestionParser.Parse(q, Glossary.Empty, TestDates.Today);
        Assert.Equal(["ice", "removals", "271484", "deported", "us", "book", "outs"], p.Tokens.Select(t => t.Text));
        Assert.Equal(["ice", "removal", "271484", "deport", "us", "book", "out"], p.Tokens.Select(t => t.Stem));
        Assert.Equal("ICE's", p.Tokens[0].Span.Slice(q));
        Assert.Equal("271,484", p.Tokens[2].Span.Slice(q));
        Assert.True(p.Tokens[2].IsNumber);
    }

    [Fact]
    public void Parse_NormalizedText_IsFoldedForMatching()
    {
        var p = Parse("How many  people did ICE’s ERO deport in FY 2024?");
        Assert.Equal("how many people did ice's ero deport in fy 2024?", p.NormalizedText);
    }

    [Fact]
    public void Parse_SameQuestionTwice_IsDeterministic()
    {
        const string q = "How many deportable immigrants with criminal convictions are released by ICE annually in recent years?";
        var a = Parse(q);
        var b = Parse(q);
        Assert.Equal(a.Reasons, b.Reasons);
        Assert.Equal(a.Tokens, b.Tokens);
        Assert.Equal(a.Concepts.Select(c => c.Span), b.Concepts.Select(c => c.Span));
    }

    [Fact]
    public void Parse_EmptyQuestion_YieldsNothingButAKind()
    {
        var p = Parse(string.Empty);
        Assert.Empty(p.Tokens);
        Assert.Empty(p.Periods);
        Assert.Equal(QuestionKind.Lookup, p.Kind);
    }
}

public sealed class GlossaryTests
{
    [Fact]
    public void Match_LongestTermFirst_ClaimsTokensOnce()
    {
        var hits = QuestionParserTests.Sample.Match("people released into the community", Tokenizer.Tokenize("people released into the community"));
        var hit = Assert.Single(hits);
        Assert.Equal("book_out_release_community", hit.Concept);
        Assert.Equal("released into the community", hit.Text);
    }

    [Fact]
    public void Match_RepeatedTerm_HitsEveryOccurrence()
    {
        const string text = "removals and removals and returns";
        var hits = QuestionParserTests.Sample.Match(text, Tokenizer.Tokenize(text));
        Assert.Equal(["removal", "removal", "return"], hits.Select(h => h.Concept));
        Assert.Equal([0, 13, 26], hits.Select(h => h.Span.Start));
    }

    [Fact]
    public void Match_InflectedForms_MatchThroughStems()
    {
        const string text = "Deportations, deporting and deports";
        var hits = QuestionParserTests.Sample.Match(text, Tokenizer.Tokenize(text));
        Assert.Equal(3, hits.Count);
        Assert.All(hits, h => Assert.Equal("removal", h.Concept));
    }

    [Fact]
    public void Constructor_SameWordsDifferentConcepts_ThrowsWithAdvice()
    {
        var ex = Assert.Throws<ArgumentException>(() => new Glossary([new GlossaryTerm("deported", "removal"), new GlossaryTerm("deport", "return")]));
        Assert.Contains("Also", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "removal")]
    [InlineData("deported", " ")]
    [InlineData("?!", "removal")]
    public void Constructor_EmptyTermOrConcept_Throws(string term, string concept)
    {
        Assert.Throws<ArgumentException>(() => new Glossary([new GlossaryTerm(term, concept)]));
    }

    [Fact]
    public void Constructor_DuplicateSameConcept_IsKeptOnce()
    {
        var g = new Glossary([new GlossaryTerm("removals", "removal"), new GlossaryTerm("removal", "removal")]);
        Assert.Single(g.Terms);
    }

    [Fact]
    public void Empty_MatchesNothing()
    {
        Assert.Empty(Glossary.Empty.Match("removals", Tokenizer.Tokenize("removals")));
    }
}

public sealed class StemmerTests
{
    [Theory]
    [InlineData("removals", "removal")]
    [InlineData("deported", "deport")]
    [InlineData("deporting", "deport")]
    [InlineData("deports", "deport")]
    [InlineData("released", "releas")]
    [InlineData("release", "releas")]
    [InlineData("releases", "releas")]
    [InlineData("cases", "cas")]
    [InlineData("case", "cas")]
    [InlineData("rising", "ris")]
    [InlineData("countries", "country")]
    [InlineData("convictions", "conviction")]
    [InlineData("convicted", "convict")]
    [InlineData("admitted", "admit")]
    [InlineData("dropped", "drop")]
    [InlineData("dismissed", "dismiss")]
    [InlineData("status", "status")]
    [InlineData("analysis", "analysis")]
    [InlineData("children", "child")]
    [InlineData("people", "person")]
    [InlineData("rose", "ris")]
    [InlineData("increased", "increas")]
    [InlineData("bookings", "book")]
    [InlineData("ICE", "ice")]
    [InlineData("was", "was")]
    public void Stem_CommonForms_MeetAtTheSameStem(string word, string stem)
    {
        Assert.Equal(stem, Stemmer.Stem(word));
    }
}

public sealed class AgenciesTests
{
    [Theory]
    [InlineData("reported to the Department of Homeland Security", "DHS", "Department of Homeland Security")]
    [InlineData("U.S. Immigration and Customs Enforcement's reports", "ICE", "U.S. Immigration and Customs Enforcement")]
    [InlineData("Homeland Security Investigations seized", "HSI", "Homeland Security Investigations")]
    [InlineData("the Homeland Security budget", "DHS", "Homeland Security")]
    [InlineData("CBP encounters", "CBP", "CBP")]
    [InlineData("Border Patrol apprehensions", "USBP", "Border Patrol")]
    [InlineData("USCIS approvals", "USCIS", "USCIS")]
    [InlineData("before the Executive Office for Immigration Review", "EOIR", "Executive Office for Immigration Review")]
    [InlineData("backlog in immigration courts", "EOIR", "immigration courts")]
    [InlineData("ERO removals", "ERO", "ERO")]
    [InlineData("the DHS OIG report", "DHS", "DHS")]
    public void FindMentions_NamesAndAcronyms_MapToCodes(string text, string code, string matched)
    {
        var m = Agencies.FindMentions(text)[0];
        Assert.Equal(code, m.Agency.Code);
        Assert.Equal(matched, m.Text);
        Assert.Equal(matched, m.Span.Slice(text));
    }

    [Fact]
    public void FindMentions_SeveralAgencies_InTextOrder()
    {
        Assert.Equal(["ICE", "CBP", "DHS"], Agencies.FindMentions("ICE and CBP, both part of DHS").Select(a => a.Agency.Code));
    }

    [Theory]
    [InlineData("ERO", "DHS", true)]
    [InlineData("ICE", "DHS", true)]
    [InlineData("USBP", "CBP", true)]
    [InlineData("EOIR", "DHS", false)]
    [InlineData("DHS", "ICE", false)]
    [InlineData("ICE", "ICE", true)]
    public void IsWithin_ParentChain_DecidesScope(string code, string ancestor, bool expected)
    {
        Assert.Equal(expected, Agencies.IsWithin(code, ancestor));
    }

    [Fact]
    public void Find_UnknownCode_ReturnsNull()
    {
        Assert.Null(Agencies.Find("XYZ"));
        Assert.Equal("U.S. Immigration and Customs Enforcement", Agencies.Find("ice")!.Name);
    }
}
