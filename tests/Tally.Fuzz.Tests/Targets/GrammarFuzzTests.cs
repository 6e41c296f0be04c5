using FsCheck.Fluent;
using Tally.Analysis;
using Tally.Catalog.Model;
using Tally.Definitions.Resolution;
using Tally.Fuzz.Tests.Engine;
using Xunit.Abstractions;

namespace Tally.Fuzz.Tests.Targets;

/// <summary>
/// The period grammar (free text: PeriodParser; the catalog's period strings: CatalogPeriod) and the question grammar
/// (QuestionParser with the catalog glossary, then the definitions resolver). None of them documents an exception for
/// any text: every input must parse to something, with spans inside the text and ranges that do not run backwards.
/// </summary>
public sealed class GrammarFuzzTests(ITestOutputHelper output)
{
    private static readonly string[] PeriodSeeds =
    [
        "How many people did ICE deport in 2024?", "in FY2024", "in fiscal year 2023", "FY 2019 through FY 2024", "2018–2024",
        "as of July 21, 2024", "as of 2024-07-21", "since 2019", "annually", "each year", "in recent years", "last year",
        "the first six months of FY2025", "FY2025 year to date", "calendar year 2024", "CY2024", "Q2 FY2024", "in the second quarter of 2024",
        "between October 2023 and March 2024", "from 2017 to 2019", "in the past three years", "during the Obama administration",
        "FY2014..FY2023", "2017-07..2018-07-11", "FY2024 through 2024-02", "2024-03", "unspecified", "fiscal years 2020-21",
        "in '24", "through Sept. 30, 2024", "the 12 months ending June 2024", "this year", "FYTD 2025",
    ];

    private static readonly string[] QuestionSeeds =
    [
        "How many people did ICE deport in 2024?",
        "How many deportable immigrants with criminal convictions are released by ICE annually?",
        "How many wrongful deportation cases were reported to the Department of Homeland Security in 2024?",
        "Is it true that ICE removed more than 271,484 people in FY2024?",
        "What share of ICE book-outs in FY2023 were releases to the community?",
        "How many people were in ICE detention as of July 21, 2024?",
        "Did CBP or ICE make more arrests in fiscal year 2023?",
        "About 1.5 million deportations since 2019 — true?",
        "How many immigration court cases were dismissed in 2022?",
        "What is the average daily population in ICE detention in FY2025 so far?",
        "88,763 of 271,484 removals were of people with criminal convictions (32.7%)",
        "How many families were separated at the border?",
    ];

    private static readonly Dictionary Tokens = Dictionary.Of(
        ["FY", "CY", "fiscal year", "calendar year", "as of ", "since ", " through ", " to ", "–", "—", "..", "-", "/", "Q1", "Q4", "Q9",
         "January ", "Sept. ", "February 29, ", "31st", "year to date", "YTD", "first ", " months of ", "last ", "past ", "recent years",
         "annually", "each year", "between ", " and ", "from ", "'", "%", "million", "billion", "more than ", "about ", "at least ",
         "deport", "removals", "released", "ICE", "CBP", "DHS", "criminal", "convicted", "how many", "?", "is it true that "],
        ("(", ")"), ("\"", "\""), ("FY", ""));

    private static readonly FsCheck.Gen<string> PeriodWords = FsGen.Words(
        "FY", "FY ", "fiscal year", "fiscal years", "calendar year", "CY", "in", "during", "as of", "since", "through", "thru", "to",
        "until", "between", "and", "from", "-", "–", "—", "..", "/", "annually", "per year", "each year", "a year", "last year",
        "this year", "next year", "past", "last", "recent years", "the first", "months of", "year to date", "year-to-date", "YTD",
        "FYTD", "so far", "Q1", "Q2", "Q3", "Q4", "Q0", "Q5", "quarter", "first quarter", "January", "Jan.", "February", "Feb",
        "September", "Sept.", "December", "Dec", "the end of", "1st", "21st", "32nd", ",", ".", "'", "s", "twelve", "six", "zero");

    private static readonly FsCheck.Gen<string> PeriodGen = FsGen.Phrase(PeriodWords, PeriodWords, FsGen.Number(),
        // Glued forms people write: FY2024, FY24, 2024-07-21, 2018–2024.
        FsGen.Number().SelectMany(_ => FsGen.Number(), (a, b) => $"FY{a}"),
        FsGen.Number().SelectMany(_ => FsGen.Number(), (a, b) => $"{a}-{b}"),
        FsGen.Number().SelectMany(_ => FsGen.Number(), (a, b) => $"{a}–{b}"),
        FsGen.Number().SelectMany(_ => FsGen.Number(), (a, b) => $"{a}-{b}-{a}"),
        FsGen.Number().SelectMany(_ => FsGen.Number(), (a, b) => $"FY{a} through {b}-{a}"),
        FsGen.Number().SelectMany(_ => FsGen.Number(), (a, b) => $"CY{a}..CY{b}"));

    [Fact]
    public async Task PeriodGrammar_AnyText_ParsesWithoutThrowing()
    {
        var target = new FuzzTarget
        {
            Name = "period",
            Seeds = [.. PeriodSeeds.Select(Oddities.Utf8)],
            Dictionary = Tokens,
            Generate = FsGen.Utf8(PeriodGen),
            GenerateOneIn = 2,
            Cost = 0.5,
            Run = (input, _) =>
            {
                var text = Mutator.Text(input);
                CheckMentions(text, PeriodParser.Parse(text, Shared.Today));
                CheckMentions(text, PeriodParser.Parse(text));
                // The catalog's period strings: TryParse never throws; Parse throws only FormatException.
                if (CatalogPeriod.TryParse(text, out var period, out var error))
                {
                    if (period.Start > period.End)
                    {
                        throw new OracleViolation($"CatalogPeriod '{period.Text}' runs backwards: {period.Start} > {period.End}");
                    }
                    CatalogPeriod.Parse(period.Text); // the canonical text parses again
                }
                else if (string.IsNullOrWhiteSpace(error))
                {
                    throw new OracleViolation("CatalogPeriod.TryParse failed without saying why");
                }
                return Task.CompletedTask;
            },
            Classify = Clean.Never,
        };
        var ran = await new FuzzRunner(target, output).RunAsync();
        Assert.True(ran > target.Seeds.Count, $"fuzz {target.Name}: only the {target.Seeds.Count} seed inputs ran, no mutated or generated one");
    }

    [Fact]
    public async Task QuestionGrammar_AnyText_ParsesAndResolvesWithoutThrowing()
    {
        var registry = Shared.Registry;
        var terms = registry.Glossary.Select(g => g.Term).Distinct(StringComparer.Ordinal).ToArray();
        var aliases = registry.AliasIndex.Keys.Take(200).ToArray();
        var words = FsGen.Words(["how many", "how much", "what share of", "is it true that", "did", "were", "people", "the", "by", "in", "of",
            "more than", "fewer than", "about", "nearly", "at least", "%", "percent", "million", "?", "!", "“", "”", "not", "or", "and", "vs"]);
        var glossary = FsGen.Words(terms.Length > 0 ? terms : ["removal"]);
        var alias = FsGen.Words(aliases.Length > 0 ? aliases : ["removals"]);
        var agencies = FsGen.Words([.. Agencies.All.Select(a => a.Code), .. Agencies.All.Select(a => a.Name)]);
        var gen = FsGen.Phrase(words, words, glossary, glossary, alias, agencies, PeriodGen, FsGen.Number());
        var target = new FuzzTarget
        {
            Name = "question",
            Seeds = [.. QuestionSeeds.Select(Oddities.Utf8), .. RepoPaths.SharedSeeds("seeds", "*.txt", 1024, 5)],
            Dictionary = Tokens with { Tokens = [.. Tokens.Tokens, .. terms.Take(100).Select(Oddities.Utf8)] },
            Generate = FsGen.Utf8(gen),
            GenerateOneIn = 2,
            Cost = 1,
            Run = (input, _) =>
            {
                var text = Mutator.Text(input);
                var parsed = QuestionParser.Parse(text, registry.Resolver.Glossary, Shared.Today);
                CheckMentions(text, parsed.Periods);
                foreach (var span in parsed.Tokens.Select(t => t.Span).Concat(parsed.Figures.Select(f => f.Span))
                             .Concat(parsed.Agencies.Select(a => a.Span)).Concat(parsed.Concepts.Select(c => c.Span)))
                {
                    CheckSpan(text, span, "a token, figure, agency or concept");
                }
                // The resolver sees at most 64 K characters, even in make fuzz's 1 MiB runs: it is linear but costs ~7 s
                // per MiB, which is for a length limit to stop (issue 7, item 5), not a hang.
                var (_, candidates) = QuestionResolver.Resolve(registry.Resolver, text.Length > 65_536 ? text[..65_536] : text, 10, Shared.Today);
                foreach (var c in candidates)
                {
                    if (double.IsNaN(c.Score) || !registry.ById.ContainsKey(c.MetricId))
                    {
                        throw new OracleViolation($"the resolver returned candidate '{c.MetricId}' with score {c.Score}: not a registry metric, or no score");
                    }
                }
                return Task.CompletedTask;
            },
            Classify = Clean.Never,
        };
        var ran = await new FuzzRunner(target, output).RunAsync();
        Assert.True(ran > target.Seeds.Count, $"fuzz {target.Name}: only the {target.Seeds.Count} seed inputs ran, no mutated or generated one");
    }

    internal static void CheckMentions(string text, IReadOnlyList<PeriodMention> mentions)
    {
        for (var i = 0; i < mentions.Count; i++)
        {
            var m = mentions[i];
            CheckSpan(text, m.Span, $"period mention '{m.Text}'");
            if (m.From > m.To)
            {
                throw new OracleViolation($"period mention '{m.Text}' ({m.Normalized}) runs backwards: {m.From} > {m.To}");
            }
            if (i > 0 && mentions[i - 1].Span.Overlaps(m.Span))
            {
                throw new OracleViolation($"period mentions '{mentions[i - 1].Text}' and '{m.Text}' overlap, which the parser promises never happens");
            }
        }
    }

    internal static void CheckSpan(string text, TextSpan span, string what)
    {
        if (span.Start < 0 || span.Length < 0 || span.End > text.Length)
        {
            throw new OracleViolation($"{what} has span {span} outside the text of {text.Length} characters");
        }
    }
}
