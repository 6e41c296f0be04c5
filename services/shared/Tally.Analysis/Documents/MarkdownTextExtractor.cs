using System.Text;
using System.Text.RegularExpressions;

namespace Tally.Analysis;

/// <summary>
/// Markdown → text, removing markup lightly: HTML comments, heading marks, emphasis, inline code ticks, links and images (their
/// text is kept, the URL dropped), reference definitions, blockquote marks, horizontal rules, code fences (code is
/// kept), table pipes (cells tab-separated). List bullets become "• "; numbered items are kept as written.
/// </summary>
internal static partial class MarkdownTextExtractor
{
    public static ExtractedDocument Extract(string markdown)
    {
        var sb = new StringBuilder(markdown.Length);
        string? title = null;
        var inFence = false;
        var fence = string.Empty;
        string? previous = null;
        foreach (var raw in StripHtmlComments(markdown).ReplaceLineEndings("\n").Split('\n'))
        {
            var line = raw;
            var fenceMatch = FenceRegex().Match(line);
            if (fenceMatch.Success && (!inFence || line.TrimStart().StartsWith(fence, StringComparison.Ordinal)))
            {
                inFence = !inFence;
                fence = fenceMatch.Groups[1].Value;
                continue;
            }

            if (inFence)
            {
                sb.Append(line).Append('\n');
                continue;
            }

            if (ReferenceDefinitionRegex().IsMatch(line) || HorizontalRuleRegex().IsMatch(line))
            {
                sb.Append('\n');
                previous = string.Empty;
                continue;
            }

            if (SetextUnderlineRegex().IsMatch(line) && !string.IsNullOrWhiteSpace(previous))
            {
                title ??= previous.Trim();
                previous = string.Empty;
                continue;
            }

            // All quote marks at once: one replacement per level copied the line each time (quadratic on "> > > …").
            line = BlockquoteRegex().Replace(line, string.Empty, 1);

            var heading = HeadingRegex().Match(line);
            if (heading.Success)
            {
                // The optional closing sequence ("## Title ##") is cut here, not by the regex: a lazy heading text followed
                // by \s*#*\s*$ backtracks quadratically on a long run of spaces (a 64 KB heading line took minutes).
                line = heading.Groups["text"].Value.TrimEnd().TrimEnd('#').TrimEnd();
                title ??= Inline(line).Trim();
                sb.Append('\n').Append(Inline(line)).Append("\n\n");
                previous = string.Empty;
                continue;
            }

            if (TableSeparatorRegex().IsMatch(line))
            {
                continue;
            }

            if (line.TrimStart().StartsWith('|'))
            {
                var cells = line.Trim().Trim('|').Split('|');
                line = string.Join('\t', cells.Select(c => c.Trim()));
            }

            line = BulletRegex().Replace(line, "${indent}• ");
            line = Inline(line);
            sb.Append(line).Append('\n');
            previous = line;
        }

        return new ExtractedDocument
        {
            Text = DocumentTextExtractor.TidyPlainText(sb.ToString()),
            Type = DocumentType.Markdown,
            MediaType = "text/markdown",
            Title = string.IsNullOrWhiteSpace(title) ? null : title,
        };
    }

    /// <summary>Lines longer than this keep their inline markup: the lazy patterns below are quadratic in the worst case.</summary>
    private const int MaxInlineChars = 4096;

    /// <summary>
    /// Removes &lt;!-- … --&gt; (an unclosed one stays, as before). A scan, not a lazy regex: thousands of unclosed
    /// "&lt;!--" made the regex rescan the rest of the document for each one.
    /// </summary>
    private static string StripHtmlComments(string markdown)
    {
        var open = markdown.IndexOf("<!--", StringComparison.Ordinal);
        if (open < 0)
        {
            return markdown;
        }

        var sb = new StringBuilder(markdown.Length);
        var from = 0;
        while (open >= 0)
        {
            var close = markdown.IndexOf("-->", open + 4, StringComparison.Ordinal);
            if (close < 0)
            {
                break;
            }

            sb.Append(markdown, from, open - from);
            from = close + 3;
            open = markdown.IndexOf("<!--", from, StringComparison.Ordinal);
        }

        return sb.Append(markdown, from, markdown.Length - from).ToString();
    }

    private static string Inline(string line)
    {
        if (line.Length > MaxInlineChars)
        {
            return line;
        }

        line = ImageRegex().Replace(line, "${text}");
        line = LinkRegex().Replace(line, "${text}");
        line = RefLinkRegex().Replace(line, "${text}");
        line = AutoLinkRegex().Replace(line, "${url}");
        line = CodeRegex().Replace(line, "${code}");
        line = StrongRegex().Replace(line, "${text}");
        line = StarEmphasisRegex().Replace(line, "${text}");
        line = UnderscoreEmphasisRegex().Replace(line, "${text}");
        line = StrikeRegex().Replace(line, "${text}");
        line = EscapeRegex().Replace(line, "${c}");
        return line;
    }

    [GeneratedRegex(@"^\s{0,3}(`{3,}|~{3,})")]
    private static partial Regex FenceRegex();

    [GeneratedRegex(@"^\s{0,3}\[[^\]]+\]:\s+\S+")]
    private static partial Regex ReferenceDefinitionRegex();

    [GeneratedRegex(@"^\s{0,3}([-*_])(?:\s*\1){2,}\s*$")]
    private static partial Regex HorizontalRuleRegex();

    [GeneratedRegex(@"^\s{0,3}(?:=+|-+)\s*$")]
    private static partial Regex SetextUnderlineRegex();

    [GeneratedRegex(@"^(?:\s{0,3}>\s?)+")]
    private static partial Regex BlockquoteRegex();

    [GeneratedRegex(@"^\s{0,3}#{1,6}(?:\s+(?<text>.*)|#*\s*)$")]
    private static partial Regex HeadingRegex();

    // "\s*\|?\s*" would split a run of spaces every possible way before failing: quadratic on a long blank-ish line.
    [GeneratedRegex(@"^\s*(?:\|\s*)?:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*(?:\|\s*)?$")]
    private static partial Regex TableSeparatorRegex();

    [GeneratedRegex(@"^(?<indent>\s*)[-*+]\s+")]
    private static partial Regex BulletRegex();

    [GeneratedRegex(@"!\[(?<text>[^\]]*)\]\([^)]*\)")]
    private static partial Regex ImageRegex();

    [GeneratedRegex(@"\[(?<text>[^\]]+)\]\((?:[^()\s]|\([^)]*\))*(?:\s+""[^""]*"")?\)")]
    private static partial Regex LinkRegex();

    [GeneratedRegex(@"\[(?<text>[^\]]+)\]\[[^\]]*\]")]
    private static partial Regex RefLinkRegex();

    [GeneratedRegex(@"<(?<url>(?:https?|mailto):[^>\s]+)>")]
    private static partial Regex AutoLinkRegex();

    [GeneratedRegex(@"(?<ticks>`{1,8})(?<code>.+?)\k<ticks>")]
    private static partial Regex CodeRegex();

    [GeneratedRegex(@"(\*\*|__)(?=\S)(?<text>.+?)(?<=\S)\1")]
    private static partial Regex StrongRegex();

    [GeneratedRegex(@"(?<![\w*])\*(?=\S)(?<text>.+?)(?<=\S)\*(?![\w*])")]
    private static partial Regex StarEmphasisRegex();

    [GeneratedRegex(@"(?<![\w_])_(?=\S)(?<text>.+?)(?<=\S)_(?![\w_])")]
    private static partial Regex UnderscoreEmphasisRegex();

    [GeneratedRegex(@"~~(?<text>.+?)~~")]
    private static partial Regex StrikeRegex();

    [GeneratedRegex(@"\\(?<c>[\\`*_{}\[\]()#+\-.!>|])")]
    private static partial Regex EscapeRegex();
}
