using Spectre.Console;
using Spectre.Console.Rendering;

namespace Tally.Cli.Rendering;

/// <summary>One line that is never wrapped (a URL broken across lines cannot be clicked or copied).</summary>
internal sealed class RawLine(string text, int indent, Style style) : Renderable
{
    protected override Measurement Measure(RenderOptions options, int maxWidth) => new(indent + text.Length, indent + text.Length);

    protected override IEnumerable<Segment> Render(RenderOptions options, int maxWidth) =>
    [
        new Segment(new string(' ', indent)),
        new Segment(text, style),
        Segment.LineBreak,
    ];
}
