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
        using var stream = new MemoryStream(CheckNesting(content), writable: false);
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

    /// <summary>Deepest element nesting accepted. Browsers flatten trees beyond 512 levels; real pages stay far below.</summary>
    internal const int MaxDepth = 1000;

    private static readonly HashSet<string> VoidElements = new(StringComparer.Ordinal)
    {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr", "keygen",
        "basefont", "bgsound", "frame", "image",
    };

    /// <summary>Elements whose end tag may be left out: the parser closes them by itself, so they do not pile up.</summary>
    private static readonly HashSet<string> OptionalEnd = new(StringComparer.Ordinal)
    {
        "html", "head", "body", "p", "li", "dt", "dd", "rt", "rp", "rb", "rtc", "optgroup", "option", "colgroup", "caption", "thead", "tbody",
        "tfoot", "tr", "td", "th",
    };

    /// <summary>Elements whose content is text up to their end tag.</summary>
    private static readonly HashSet<string> RawText = new(StringComparer.Ordinal)
    {
        "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes",
    };

    /// <summary>
    /// Refuses a document nested deeper than <see cref="MaxDepth"/> before AngleSharp sees it. AngleSharp's tree
    /// builder does work proportional to the depth at every tag (scope checks walk the stack of open elements) and
    /// reads the token after a &lt;pre&gt; or &lt;listing&gt; start tag by recursion: 50,000 nested &lt;div&gt;s took
    /// minutes, and 6,000 adjacent &lt;pre&gt;s (30 KB) overflowed the stack and killed the process. A linear scan of
    /// the tags keeps a stack of open elements as the parser would (void and optional-end elements and raw text apart;
    /// an end tag closes up to its element). UTF-16 input (BOM) is re-encoded as UTF-8 first so that the scan sees tags.
    /// </summary>
    internal static byte[] CheckNesting(byte[] content)
    {
        if (content.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || content.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            content = [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(DocumentTextExtractor.DecodeText(content))];
        }

        var s = content.AsSpan();
        var open = new List<string>();
        var i = s.IndexOf((byte)'<');
        while (i >= 0 && i + 1 < s.Length)
        {
            int next;
            if (s[(i + 1)..].StartsWith("!--"u8))
            {
                var close = s[(i + 4)..].IndexOf("-->"u8);
                if (close < 0)
                {
                    break;
                }

                next = i + 4 + close + 3;
            }
            else
            {
                var end = s[i + 1] == (byte)'/';
                var name = TagName(s[(i + (end ? 2 : 1))..]);
                var tagEnd = name is null ? -1 : TagEnd(s, i);
                if (name is null || tagEnd < 0)
                {
                    next = i + 1;
                }
                else
                {
                    next = tagEnd + 1;
                    if (end)
                    {
                        var at = open.LastIndexOf(name);
                        if (at >= 0)
                        {
                            open.RemoveRange(at, open.Count - at);
                        }
                    }
                    else if (name == "plaintext")
                    {
                        break; // everything after it is text
                    }
                    else if (RawText.Contains(name))
                    {
                        var close = RawTextEnd(s, next, name);
                        if (close < 0)
                        {
                            break;
                        }

                        next = close;
                    }
                    else if (!VoidElements.Contains(name) && !OptionalEnd.Contains(name))
                    {
                        open.Add(name);
                        if (open.Count > MaxDepth)
                        {
                            throw new DocumentExtractionException(
                                $"The HTML nests elements more than {MaxDepth:N0} levels deep (<{name}> at byte {i:N0}); it is refused as broken or hostile, since parsing it would take time that grows with the square of the depth.");
                        }
                    }
                }
            }

            var further = next < s.Length ? s[next..].IndexOf((byte)'<') : -1;
            i = further < 0 ? -1 : next + further;
        }

        return content;
    }

    /// <summary>A tag name, lower-cased (ASCII letters, digits, '-' and ':', at most 32), or null when none starts here.</summary>
    private static string? TagName(ReadOnlySpan<byte> s)
    {
        if (s.IsEmpty || !char.IsAsciiLetter((char)s[0]))
        {
            return null;
        }

        var length = 1;
        while (length < s.Length && length <= 32 && (char.IsAsciiLetterOrDigit((char)s[length]) || s[length] is (byte)'-' or (byte)':'))
        {
            length++;
        }

        Span<char> name = stackalloc char[length];
        for (var k = 0; k < length; k++)
        {
            name[k] = char.ToLowerInvariant((char)s[k]);
        }

        return new string(name);
    }

    /// <summary>The '&gt;' ending the tag at <paramref name="lt"/> (quotes after '=' respected), or -1 within 4 KB.</summary>
    private static int TagEnd(ReadOnlySpan<byte> s, int lt)
    {
        byte quote = 0;
        var afterEquals = false;
        for (var i = lt + 1; i < s.Length && i - lt < 4096; i++)
        {
            var c = s[i];
            if (quote != 0)
            {
                if (c == quote)
                {
                    quote = 0;
                    afterEquals = false;
                }
            }
            else if (c == (byte)'>')
            {
                return i;
            }
            else if (c is (byte)'"' or (byte)'\'' && afterEquals)
            {
                quote = c;
            }
            else if (c is not ((byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or (byte)'\f'))
            {
                afterEquals = c == (byte)'=';
            }
        }

        return -1;
    }

    /// <summary>Where "&lt;/name" (any case) starts at or after <paramref name="from"/>, or -1.</summary>
    private static int RawTextEnd(ReadOnlySpan<byte> s, int from, string name)
    {
        for (var i = from; i < s.Length;)
        {
            var at = s[i..].IndexOf("</"u8);
            if (at < 0)
            {
                return -1;
            }

            i += at;
            if (TagName(s[(i + 2)..]) == name)
            {
                return i;
            }

            i += 2;
        }

        return -1;
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
