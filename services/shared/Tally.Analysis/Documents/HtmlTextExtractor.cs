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
        using var stream = new MemoryStream(content, writable: false);
        using var document = await parser.ParseDocumentAsync(stream, cancellationToken).ConfigureAwait(false);
        var writer = new BlockWriter();
        if (document.Body is { } body)
        {
            Walk(body, writer, inPre: false);
        }
        else if (document.DocumentElement is { } root)
        {
            Walk(root, writer, inPre: false);
        }

        var title = document.Title is { } t && !string.IsNullOrWhiteSpace(t) ? Collapse(t) : null;
        return new ExtractedDocument { Text = writer.ToString(), Type = DocumentType.Html, MediaType = "text/html", Title = title };
    }

    private static void Walk(INode node, BlockWriter w, bool inPre)
    {
        foreach (var child in node.ChildNodes)
        {
            switch (child)
            {
                case IText text:
                    w.Text(text.Data, inPre);
                    break;
                case IElement e:
                    WalkElement(e, w, inPre);
                    break;
            }
        }
    }

    private static void WalkElement(IElement e, BlockWriter w, bool inPre)
    {
        var name = e.LocalName;
        if (Dropped.Contains(name) || e.HasAttribute("hidden") ||
            (name == "input" && string.Equals(e.GetAttribute("type"), "hidden", StringComparison.OrdinalIgnoreCase)))
        {
            return;
        }

        switch (name)
        {
            case "br":
                w.Break(1);
                return;
            case "td" or "th":
                w.Cell();
                Walk(e, w, inPre);
                return;
            case "img" or "input" or "area" or "wbr":
                return;
        }

        var paragraph = ParagraphBlocks.Contains(name);
        var line = !paragraph && LineBlocks.Contains(name);
        if (paragraph)
        {
            w.Break(2);
        }
        else if (line)
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

        Walk(e, w, inPre || name == "pre");

        if (paragraph)
        {
            w.Break(2);
        }
        else if (line)
        {
            w.Break(1);
        }
    }

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
