namespace Tally.Cli.Rendering;

/// <summary>How text output is rendered: width in columns, ANSI styling on or off, Unicode symbols (✓ ✗ │) or ASCII.</summary>
internal sealed record RenderSettings(int Width = 120, bool Ansi = false, bool Unicode = true)
{
    /// <summary>Plain text, 120 columns: what redirected output and tests get.</summary>
    public static RenderSettings Plain { get; } = new();
}
