using System.Text;
using AngleSharp;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace Tally.Analysis;

/// <summary>
/// HTML → text with AngleSharp. The browsing context has no loaders, so nothing external (scripts, styles,
/// frames, images) is ever fetched. Invisible content (script, style, noscript, template, iframe, svg, math,
/// object, head, [hidden]) is dropped; block elements become line breaks; table cells are tab-separated.
/// </summary>
internal static class HtmlTextExtractor
{
    private static readonly HashSet<string> Dropped = new(StringComparer.Ordinal)
    {
        "script", "style", "noscript", "template", "iframe", "svg", "math", "object", "embed", "canvas", "head", "select",
        "audio", "video", "map", "frameset", "frame",
    };

    private static readonly HashSet<string> ParagraphBlocks = new(StringComparer.Ordinal)
    {
        "p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "ul", "ol", "dl", "figure", "section", "article",
        "header", "footer", "main", "nav", "aside", "form", "fieldset", "address", "details", "hr",
    };

    private static readonly HashSet<string> LineBlocks = new(StringComparer.Ordinal)
    {
        "div", "li", "tr", "dt", "dd", "caption", "figcaption", "summary", "legend", "thead", "tbody", "tfoot", "option",
    };

    public static async Task<ExtractedDocument> ExtractAsync(byte[] content, CancellationToken cancellationToken)
    {
        // Configuration.Default registers no loaders: no resource is ever requested.
        using var context = BrowsingContext.New(Configuration.Default);
        var parser = new HtmlParser(new HtmlParserOptions { IsScripting = false }, context);
        using var stream = new MemoryStream(BreakPreRuns(content), writable: false);
        using var document = await parser.ParseDocumentAsync(stream, cancellationToken).ConfigureAwait(false);
        var writer = new BlockWriter();
        if (document.Body is { } body)
        {
            Walk(body, writer);
        }
        else if (document.DocumentElement is { } root)
        {
            Walk(root, writer);
        }

        var title = document.Title is { } t && !string.IsNullOrWhiteSpace(t) ? Collapse(t) : null;
        return new ExtractedDocument { Text = writer.ToString(), Type = DocumentType.Html, MediaType = "text/html", Title = title };
    }

    /// <summary>
    /// AngleSharp's tree builder reads the token after a &lt;pre&gt; or &lt;listing&gt; start tag (to drop a leading
    /// newline) by recursion, so a run of adjacent such tags recurses once per tag: some 6,000 "&lt;pre&gt;" (30 KB)
    /// overflow the stack and kill the process. A newline right after those start tags is dropped by that same rule,
    /// so inserting one where another tag follows at once changes no text and ends every run. UTF-16 input (BOM) is
    /// re-encoded as UTF-8 first, so that the scan sees the tags.
    /// </summary>
    internal static byte[] BreakPreRuns(byte[] content)
    {
        if (content.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || content.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            content = [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(DocumentTextExtractor.DecodeText(content))];
        }

        List<int>? inserts = null;
        for (var i = content.AsSpan().IndexOf((byte)'<'); i >= 0 && i < content.Length;)
        {
            var end = PreStartTagEnd(content, i);
            if (end > 0 && end + 1 < content.Length && content[end + 1] == (byte)'<')
            {
                (inserts ??= []).Add(end + 1);
            }

            var next = content.AsSpan(i + 1).IndexOf((byte)'<');
            i = next < 0 ? -1 : i + 1 + next;
        }

        if (inserts is null)
        {
            return content;
        }

        var result = new byte[content.Length + inserts.Count];
        var from = 0;
        var to = 0;
        foreach (var at in inserts)
        {
            content.AsSpan(from, at - from).CopyTo(result.AsSpan(to));
            to += at - from;
            result[to++] = (byte)'\n';
            from = at;
        }

        content.AsSpan(from).CopyTo(result.AsSpan(to));
        return result;
    }

    /// <summary>The index of the '&gt;' ending a &lt;pre …&gt; or &lt;listing …&gt; start tag at <paramref name="lt"/>, or -1.</summary>
    private static int PreStartTagEnd(byte[] s, int lt)
    {
        var name = lt + 1;
        var length = NameIs(s, name, "pre"u8) ? 3 : NameIs(s, name, "listing"u8) ? 7 : 0;
        if (length == 0 || name + length >= s.Length || s[name + length] is not ((byte)'>' or (byte)'/' or (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or (byte)'\f'))
        {
            return -1;
        }

        byte quote = 0;
        for (var i = name + length; i < s.Length; i++)
        {
            if (quote != 0)
            {
                quote = s[i] == quote ? (byte)0 : quote;
            }
            else if (s[i] is (byte)'"' or (byte)'\'')
            {
                quote = s[i];
            }
            else if (s[i] == (byte)'>')
            {
                return i;
            }
        }

        return -1;
    }

    private static bool NameIs(byte[] s, int at, ReadOnlySpan<byte> lowerName)
    {
        if (at + lowerName.Length > s.Length)
        {
            return false;
        }

        for (var k = 0; k < lowerName.Length; k++)
        {
            if ((s[at + k] | 0x20) != lowerName[k])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Depth-first over the tree with an explicit stack rather than recursion: a hostile page can nest elements
    /// 100,000 deep (the parser builds such trees without complaint), which would overflow the call stack.
    /// </summary>
    private static void Walk(INode root, BlockWriter w)
    {
        var stack = new Stack<(INode Node, bool InPre, bool Closing)>();
        PushChildren(stack, root, inPre: false);
        while (stack.Count > 0)
        {
            var (node, inPre, closing) = stack.Pop();
            if (closing)
            {
                LeaveElement((IElement)node, w);
                continue;
            }

            switch (node)
            {
                case IText text:
                    w.Text(text.Data, inPre);
                    break;
                case IElement e when EnterElement(e, w) is { } walkChildren:
                    if (walkChildren)
                    {
                        stack.Push((e, inPre, true));
                    }

                    PushChildren(stack, e, inPre || e.LocalName == "pre");
                    break;
            }
        }
    }

    private static void PushChildren(Stack<(INode Node, bool InPre, bool Closing)> stack, INode parent, bool inPre)
    {
        var children = parent.ChildNodes;
        for (var i = children.Length - 1; i >= 0; i--)
        {
            stack.Push((children[i], inPre, false));
        }
    }

    /// <summary>Writes what comes before an element's children: null to skip the element, else whether it needs <see cref="LeaveElement"/>.</summary>
    private static bool? EnterElement(IElement e, BlockWriter w)
    {
        var name = e.LocalName;
        if (Dropped.Contains(name) || e.HasAttribute("hidden") ||
            (name == "input" && string.Equals(e.GetAttribute("type"), "hidden", StringComparison.OrdinalIgnoreCase)))
        {
            return null;
        }

        switch (name)
        {
            case "br":
                w.Break(1);
                return null;
            case "td" or "th":
                w.Cell();
                return false;
            case "img" or "input" or "area" or "wbr":
                return null;
        }

        if (ParagraphBlocks.Contains(name))
        {
            w.Break(2);
        }
        else if (LineBlocks.Contains(name))
        {
            w.Break(1);
        }

        if (name == "tr")
        {
            w.StartRow();
        }

        if (name == "li")
        {
            w.Raw("• ");
        }

        return ParagraphBlocks.Contains(name) || LineBlocks.Contains(name);
    }

    private static void LeaveElement(IElement e, BlockWriter w) => w.Break(ParagraphBlocks.Contains(e.LocalName) ? 2 : 1);

    private static string Collapse(string s) => string.Join(' ', s.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    /// <summary>Accumulates text with HTML whitespace rules and block breaks.</summary>
    private sealed class BlockWriter
    {
        private readonly StringBuilder _sb = new();
        private bool _pendingSpace;
        private int _pendingBreaks;
        private bool _rowStart;

        public void Text(string data, bool inPre)
        {
            if (inPre)
            {
                FlushBreaks();
                _sb.Append(data.ReplaceLineEndings("\n"));
                return;
            }

            foreach (var c in data)
            {
                if (c is ' ' or '\t' or '\n' or '\r' or '\f')
                {
                    _pendingSpace = true;
                    continue;
                }

                FlushBreaks();
                if (_pendingSpace && _sb.Length > 0 && _sb[^1] is not ('\n' or '\t' or ' '))
                {
                    _sb.Append(' ');
                }

                _pendingSpace = false;
                _sb.Append(c);
            }
        }

        public void Raw(string s)
        {
            FlushBreaks();
            _pendingSpace = false;
            _sb.Append(s);
        }

        public void Break(int newlines)
        {
            if (_sb.Length > 0)
            {
                _pendingBreaks = Math.Max(_pendingBreaks, newlines);
            }

            _pendingSpace = false;
        }

        public void StartRow() => _rowStart = true;

        public void Cell()
        {
            if (!_rowStart && _sb.Length > 0 && _sb[^1] != '\n')
            {
                FlushBreaks();
                _sb.Append('\t');
            }

            _rowStart = false;
            _pendingSpace = false;
        }

        private void FlushBreaks()
        {
            if (_pendingBreaks == 0)
            {
                return;
            }

            while (_sb.Length > 0 && _sb[^1] is ' ' or '\t')
            {
                _sb.Length--;
            }

            var existing = 0;
            for (var i = _sb.Length - 1; i >= 0 && _sb[i] == '\n'; i--)
            {
                existing++;
            }

            for (var i = existing; i < _pendingBreaks; i++)
            {
                _sb.Append('\n');
            }

            _pendingBreaks = 0;
            _pendingSpace = false;
        }

        public override string ToString() => DocumentTextExtractor.TidyPlainText(_sb.ToString());
    }
}
