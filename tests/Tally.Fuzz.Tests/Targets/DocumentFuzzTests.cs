using FsCheck.Fluent;
using Tally.Analysis;
using Tally.Fuzz.Tests.Engine;
using Xunit.Abstractions;

namespace Tally.Fuzz.Tests.Targets;

/// <summary>
/// Document text extraction as IngestDocument runs it (DocumentTextExtractor: HTML through AngleSharp, Markdown,
/// plain text), then figure extraction over the text. Clean errors: the DocumentExtractionException family
/// (unsupported type, no extractable text, too large; a PDF meets a pdftotext that is not there, so no external tool
/// runs). Figure extraction documents no errors; its spans must lie inside the text.
/// </summary>
public sealed class DocumentFuzzTests(ITestOutputHelper output)
{
    private static readonly DocumentTextExtractor Extractor = new(new DocumentExtractionOptions
    {
        PdfToTextPath = "/nonexistent/tally-fuzz/pdftotext", // a PDF is a clean PdfToolMissingException, never a process
        MaxInputBytes = 4 * 1024 * 1024,
    });

    private static readonly string[] HtmlSeeds =
    [
        "<!doctype html><html><head><title>ICE Annual Report FY2024</title><style>p{color:red}</style><script>alert(1)</script></head>" +
        "<body><h1>Removals</h1><p>ICE conducted <b>271,484</b> removals in FY2024, up from 142,580 in FY2023.</p>" +
        "<table><tr><th>FY</th><th>Removals</th></tr><tr><td>2023</td><td>142,580</td></tr><tr><td>2024</td><td>271,484</td></tr></table>" +
        "<ul><li>About 88,763 had criminal convictions</li><li>32.7% of the total</li></ul><pre>  as of\n  July 21, 2024</pre></body></html>",
        "<html><body><iframe src=\"http://example.invalid/\"></iframe><img src=x onerror=alert(1)><p hidden>secret</p>" +
        "<div>Book-outs: <span>1.5 million</span> since 2019</div><noscript>no</noscript><template><p>t</p></template></body></html>",
        "<html><body><p>&amp; &lt; &gt; &nbsp; &#8212; &#x2013; &unknown; &#0; &#xFFFFFF;</p><!-- comment --><br><hr><p>more than 10,000 people</p></body></html>",
        "<?xml version=\"1.0\"?><!DOCTYPE html [<!ENTITY x \"xxxxxxxxxx\">]><html xmlns=\"http://www.w3.org/1999/xhtml\"><body><p>&x;&x;</p></body></html>",
        "<html><frameset><frame src=a></frameset><svg><text>1,000</text></svg><math><mi>x</mi></math><select><option>2024</option></select></html>",
    ];

    private static readonly string[] MarkdownSeeds =
    [
        "# Fact check: wrongful deportations\n\nICE removed **271,484** people in FY2024 [1].\n\n## Findings\n\n1. No public source counts wrongful deportations.\n" +
        "2. DHS OIG reviewed 46 cases since 2019.\n\n| FY | Removals |\n|---|---:|\n| 2023 | 142,580 |\n| 2024 | 271,484 |\n\n[1]: https://www.ice.gov/ \"ICE\"\n",
        "Title\n=====\n\n> quoted *emphasis* and _more_ and `code` and ~~struck~~\n> > nested\n\n```csv\nfy,removals\n2024,271484\n```\n\n- item one\n* item two\n+ item 3\n\n---\n",
        "<!-- hidden -->\n![chart](img.png) [link](http://a.invalid/(x)) <https://example.invalid> [ref][1] \\*not emphasis\\*\n\n~~~\nfenced ~~~\n~~~\n",
        "### \n#\n####### seven\nSetext\n---\n|a|b|\n|-|-|\n|1|2\n",
    ];

    private static readonly string[] TextSeeds =
    [
        "ICE conducted 271,484 removals in FY2024.\r\nOf those, 88,763 (32.7%) had criminal convictions.\n\n\nAs of July 21, 2024, 37,000 people were detained.",
        "About 1.5 million people — roughly $3.2 billion — since 2019; no fewer than 12 cases; 5+ years; page 12; No. 3.",
        "\uFEFFByte order mark, then text: 1,000 1.000 1 000 ½ 10k 3M 2bn 45% 7 percentage points.",
    ];

    private static readonly Dictionary HtmlTokens = Dictionary.Of(
        ["<p>", "</p>", "<td>", "<th>", "<tr>", "<table>", "</table>", "<li>", "<br>", "<pre>", "</pre>", "<script>", "</script>", "<style>",
         "<iframe>", "<svg>", "<math>", "<template>", "<!--", "-->", "<![CDATA[", "]]>", "&amp;", "&#", "&#x", ";", "=\"", "\"", " hidden",
         "<title>", "</title>", "<body>", "<html>", "<!doctype html>", "<?xml ?>", "<!ENTITY a \"&b;&b;\">", "271,484", "FY2024", "%"],
        ("<div>", "</div>"), ("<b>", "</b>"), ("<table><tr><td>", "</td></tr></table>"), ("<ul><li>", "</li></ul>"), ("<p><span>", "</span></p>"),
        ("<pre>", "</pre>"), ("<!--", "-->"), ("<svg>", "</svg>"), ("<a href=x>", "</a>"));

    private static readonly Dictionary MarkdownTokens = Dictionary.Of(
        ["# ", "## ", "###### ", "```", "~~~", "> ", "- ", "* ", "+ ", "1. ", "|", "---", "===", "**", "__", "*", "_", "`", "~~", "![", "](",
         ")", "[", "]", "]:", "<!--", "-->", "<https://x.invalid>", "\\", "\n\n", "271,484", "FY2024", "%"],
        ("> ", ""), ("[", "]"), ("(", ")"), ("**", "**"), ("`", "`"), ("<!--", "-->"), ("    ", ""));

    private static readonly Dictionary TextTokens = Dictionary.Of(
        ["\n", "\r\n", "\r", ". ", "? ", "! ", "1,000", "1.5 million", "$", "%", "percent", "about ", "more than ", "at least ", "fewer than ",
         "in FY2024", "as of July 21, 2024", "since 2019", "No. ", "page ", "Mr. ", "U.S. ", "e.g. ", "...", "…", "\u00A0", "\f"],
        ("(", ")"), ("\"", "\""));

    [Theory]
    [InlineData("html")]
    [InlineData("markdown")]
    [InlineData("text")]
    public async Task DocumentExtraction_AnyBytes_TextOrCleanError(string format)
    {
        var (seeds, tokens, hint) = format switch
        {
            "html" => (HtmlSeeds, HtmlTokens, "report.html"),
            "markdown" => (MarkdownSeeds, MarkdownTokens, "text/markdown; charset=utf-8"),
            _ => (TextSeeds, TextTokens, "notes.txt"),
        };
        var target = new FuzzTarget
        {
            Name = "document-" + format,
            Seeds = [.. seeds.Select(Oddities.Utf8), .. format == "text" ? RepoPaths.SharedSeeds("seeds", "*.txt", 8 * 1024, 5) : []],
            Dictionary = tokens,
            Cost = format == "html" ? 2 : 1,
            Run = async (input, cancellationToken) =>
            {
                ExtractedDocument document;
                try
                {
                    document = await Extractor.ExtractAsync(input, hint, cancellationToken);
                }
                catch (DocumentExtractionException)
                {
                    // Clean (documented) — but the same bytes sent with an empty hint must fail cleanly too.
                    await ExtractOrCleanAsync(input, "", cancellationToken);
                    throw;
                }
                CheckFigures(document.Text);
                await ExtractOrCleanAsync(input, "", cancellationToken);
            },
            Classify = e => Clean.Only(e, typeof(DocumentExtractionException)),
        };
        var ran = await new FuzzRunner(target, output).RunAsync();
        Assert.True(ran > target.Seeds.Count, $"fuzz {target.Name}: only the {target.Seeds.Count} seed inputs ran, no mutated or generated one");
    }

    [Fact]
    public async Task FigureExtraction_AnyText_SpansInsideTheText()
    {
        var words = FsGen.Words("people", "removals", "were", "released", "in", "FY2024", "since", "2019", "about", "more than", "at least",
            "fewer than", "nearly", "up to", "or more", "percent", "%", "million", "billion", "thousand", "k", "M", "$", ".", ",", "—", "(", ")",
            "page", "No.", "table", "Mr.", "U.S.", "\n", "\n\n", ";", "or", "and", "+", "-", "1st", "½");
        var gen = FsGen.Phrase(words, words, FsGen.Number(),
            FsGen.Number().SelectMany(_ => FsGen.Number(), (a, b) => $"{a}.{b}"),
            FsGen.Number().SelectMany(_ => FsGen.Number(), (a, b) => $"{a},{b}"));
        var target = new FuzzTarget
        {
            Name = "figures",
            Seeds = [.. TextSeeds.Select(Oddities.Utf8), .. RepoPaths.SharedSeeds("seeds", "*.txt", 4 * 1024, 5)],
            Dictionary = TextTokens,
            Generate = FsGen.Utf8(gen),
            GenerateOneIn = 2,
            Cost = 1,
            Run = (input, _) =>
            {
                CheckFigures(Mutator.Text(input));
                return Task.CompletedTask;
            },
            Classify = Clean.Never,
        };
        var ran = await new FuzzRunner(target, output).RunAsync();
        Assert.True(ran > target.Seeds.Count, $"fuzz {target.Name}: only the {target.Seeds.Count} seed inputs ran, no mutated or generated one");
    }

    private static async Task ExtractOrCleanAsync(byte[] input, string hint, CancellationToken cancellationToken)
    {
        try
        {
            CheckFigures((await Extractor.ExtractAsync(input, hint, cancellationToken)).Text);
        }
        catch (DocumentExtractionException)
        {
        }
    }

    private static void CheckFigures(string text)
    {
        foreach (var sentence in SentenceSplitter.Split(text))
        {
            GrammarFuzzTests.CheckSpan(text, sentence, "a sentence");
        }
        foreach (var figure in FigureExtractor.Extract(text, Shared.Today))
        {
            GrammarFuzzTests.CheckSpan(text, figure.Span, $"figure '{figure.RawText}'");
            GrammarFuzzTests.CheckSpan(text, figure.SentenceSpan, $"the sentence of figure '{figure.RawText}'");
            GrammarFuzzTests.CheckMentions(text, figure.Periods);
            if (double.IsNaN(figure.Value))
            {
                throw new OracleViolation($"figure '{figure.RawText}' has no value (NaN)");
            }
        }
    }
}
