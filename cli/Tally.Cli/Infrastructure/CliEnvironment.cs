using Spectre.Console;
using Tally.Cli.Rendering;

namespace Tally.Cli.Infrastructure;

/// <summary>
/// Where the CLI writes and what the terminal can show. ANSI styling is used only when stdout is a terminal
/// (Spectre.Console decides from TERM alone and would style redirected output too), NO_COLOR is unset and
/// TERM is not "dumb".
/// </summary>
internal sealed class CliEnvironment
{
    /// <summary>Width used when stdout is not a terminal and COLUMNS is unset.</summary>
    public const int RedirectedWidth = 120;

    public required TextWriter Out { get; init; }
    public required TextWriter Error { get; init; }

    /// <summary>Style stdout with ANSI colours and bold.</summary>
    public bool Ansi { get; init; }

    /// <summary>stderr is a terminal: progress bars may redraw in place.</summary>
    public bool ErrorIsTerminal { get; init; }

    /// <summary>Columns available to tables and wrapped text.</summary>
    public int Width { get; init; } = RedirectedWidth;

    /// <summary>Environment lookup (TALLY_SERVER); replaceable in tests.</summary>
    public Func<string, string?> GetVariable { get; init; } = Environment.GetEnvironmentVariable;

    public RenderSettings Render => new(Width, Ansi);

    public static CliEnvironment FromProcess()
    {
        var noColor = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"))
            || string.Equals(Environment.GetEnvironmentVariable("TERM"), "dumb", StringComparison.Ordinal);
        var stdoutTerminal = !Console.IsOutputRedirected;
        return new CliEnvironment
        {
            Out = Console.Out,
            Error = Console.Error,
            Ansi = stdoutTerminal && !noColor,
            ErrorIsTerminal = !Console.IsErrorRedirected && !noColor,
            Width = stdoutTerminal ? TerminalWidth() : ColumnsVariable() ?? RedirectedWidth,
        };
    }

    /// <summary>A plain environment over two writers (no ANSI, fixed width): for tests and redirected use.</summary>
    public static CliEnvironment ForWriters(TextWriter stdout, TextWriter stderr, IReadOnlyDictionary<string, string>? variables = null) => new()
    {
        Out = stdout,
        Error = stderr,
        GetVariable = name => variables is not null && variables.TryGetValue(name, out var value) ? value : null,
    };

    /// <summary>A Spectre console on stderr for live progress; plain and non-interactive unless stderr is a terminal.</summary>
    public IAnsiConsole CreateProgressConsole()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = ErrorIsTerminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = ErrorIsTerminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = ErrorIsTerminal ? InteractionSupport.Yes : InteractionSupport.No,
            Out = new AnsiConsoleOutput(Error),
            Enrichment = new ProfileEnrichment { UseDefaultEnrichers = false },
        });
        console.Profile.Width = Width;
        return console;
    }

    private static int TerminalWidth()
    {
        try
        {
            var width = Console.WindowWidth;
            return width >= 40 ? width : 80;
        }
        catch (IOException)
        {
            return 80;
        }
    }

    private static int? ColumnsVariable() =>
        int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), System.Globalization.NumberStyles.None,
            System.Globalization.CultureInfo.InvariantCulture, out var columns) && columns >= 40 ? columns : null;
}
