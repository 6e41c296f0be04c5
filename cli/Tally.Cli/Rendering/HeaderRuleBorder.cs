using System.Text;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Tally.Cli.Rendering;

/// <summary>
/// A quiet table border: no frame, no column lines, one rule under each column header
/// ("───────   ──────"), so tables read like aligned text and copy cleanly.
/// </summary>
internal sealed class HeaderRuleBorder(bool unicode) : TableBorder
{
    public override string GetPart(TableBorderPart part) => part switch
    {
        TableBorderPart.HeaderBottomLeft or TableBorderPart.HeaderBottom or TableBorderPart.HeaderBottomSeparator
            or TableBorderPart.HeaderBottomRight => unicode ? "─" : "-",
        _ => " ",
    };

    public override string GetColumnRow(TablePart part, IReadOnlyList<int> widths, IReadOnlyList<IColumn> columns)
    {
        ArgumentNullException.ThrowIfNull(widths);
        ArgumentNullException.ThrowIfNull(columns);
        if (part != TablePart.HeaderSeparator)
        {
            return "";
        }
        var rule = unicode ? '─' : '-';
        var builder = new StringBuilder(" ");
        for (var i = 0; i < widths.Count; i++)
        {
            var padding = columns[i].Padding ?? new Padding(1, 0, 1, 0);
            builder.Append(' ', padding.Left).Append(rule, widths[i]).Append(' ', padding.Right);
            if (i < widths.Count - 1)
            {
                builder.Append(' ');
            }
        }
        return builder.Append(' ').ToString();
    }
}
