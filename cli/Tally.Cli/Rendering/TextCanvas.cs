using Spectre.Console;
using Spectre.Console.Rendering;

namespace Tally.Cli.Rendering;

/// <summary>
/// Collects Spectre renderables (headings, lines, tables) and renders them to a string with fixed settings: no
/// terminal is consulted, so the same input always gives the same text. Without ANSI, trailing spaces are trimmed.
/// </summary>
internal sealed class TextCanvas(RenderSettings settings)
{
    private readonly List<IRenderable> _items = [];

    public RenderSettings Settings { get; } = settings;

    public string Check(bool ok) => Settings.Unicode ? (ok ? "✓" : "✗") : (ok ? "yes" : "NO");

    public string Dash => Settings.Unicode ? "—" : "-";

    public TextCanvas Add(IRenderable renderable)
    {
        _items.Add(renderable);
        return this;
    }

    /// <summary>A section heading, preceded by a blank line.</summary>
    public TextCanvas Heading(string text)
    {
        Blank();
        return Add(new Text(text + "\n", new Style(decoration: Decoration.Bold | Decoration.Underline)));
    }

    public TextCanvas Line(string text, Style? style = null) => Add(new Text(text + "\n", style ?? Style.Plain));

    /// <summary>A line indented by <paramref name="indent"/> spaces whose wrapped continuation lines keep the indent.</summary>
    public TextCanvas Indented(string text, int indent = 2, Style? style = null) =>
        Add(new Padder(new Text(text, style ?? Style.Plain), new Padding(indent, 0, 0, 0)));

    public TextCanvas Blank()
    {
        if (_items.Count > 0)
        {
            Add(new Text("\n"));
        }
        return this;
    }

    /// <summary>
    /// A borderless, left-indented table with bold column headers. A header starting with '>' makes a right-aligned
    /// (numeric) column; one starting with '=' a column that never wraps (ids, dates, URLs).
    /// </summary>
    public Table Table(params string[] headers)
    {
        var table = new Table { Border = new HeaderRuleBorder(Settings.Unicode), ShowHeaders = true, Expand = false };
        foreach (var header in headers)
        {
            var (right, noWrap) = (header.StartsWith('>'), header.StartsWith('='));
            var column = new TableColumn(new Text(right || noWrap ? header[1..] : header, new Style(decoration: Decoration.Bold)))
            {
                Alignment = right ? Justify.Right : Justify.Left,
                NoWrap = right || noWrap,
            };
            table.AddColumn(column);
        }
        return table;
    }

    public static IRenderable Cell(string? text, Style? style = null) => new Text(text ?? "", style ?? Style.Plain);

    public static Style Styled(Color color, bool bold = false) => new(foreground: color, decoration: bold ? Decoration.Bold : Decoration.None);

    public static Style Dim { get; } = new(decoration: Decoration.Dim);

    public static Style Bold { get; } = new(decoration: Decoration.Bold);

    public override string ToString()
    {
        using var writer = new StringWriter { NewLine = "\n" };
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = Settings.Ansi ? AnsiSupport.Yes : AnsiSupport.No,
            ColorSystem = Settings.Ansi ? ColorSystemSupport.Standard : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
            Enrichment = new ProfileEnrichment { UseDefaultEnrichers = false },
            EnvironmentVariables = new Dictionary<string, string>(),
        });
        console.Profile.Width = Settings.Width;
        console.Profile.Height = 1000;
        console.Profile.Capabilities.Unicode = Settings.Unicode;
        foreach (var item in _items)
        {
            console.Write(item);
        }
        var text = writer.ToString().Replace("\r\n", "\n", StringComparison.Ordinal);
        // Tables leave blank rows where a frame would be: trim trailing spaces and keep at most one blank line in a row.
        var lines = new List<string>();
        foreach (var line in text.Split('\n'))
        {
            var trimmed = Settings.Ansi ? line : line.TrimEnd();
            if (string.IsNullOrWhiteSpace(trimmed) && (lines.Count == 0 || string.IsNullOrWhiteSpace(lines[^1])))
            {
                continue;
            }
            lines.Add(trimmed);
        }
        return string.Join('\n', lines).TrimEnd('\n', ' ') + "\n";
    }
}
