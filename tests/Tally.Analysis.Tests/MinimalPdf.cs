using System.Globalization;
using System.Text;

namespace Tally.Analysis.Tests;

/// <summary>
/// Writes a small, valid PDF by hand: one page per entry, each line drawn with the standard Helvetica font,
/// with a correct cross-reference table. Enough for pdftotext to extract the text.
/// </summary>
internal static class MinimalPdf
{
    public static byte[] Create(params string[][] pages)
    {
        var objects = new List<string>();
        var pageCount = pages.Length;
        // 1: catalog, 2: pages, 3: font, then per page: page object, content stream
        objects.Add("<< /Type /Catalog /Pages 2 0 R >>");
        var kids = string.Join(' ', Enumerable.Range(0, pageCount).Select(i => $"{4 + (2 * i)} 0 R"));
        objects.Add($"<< /Type /Pages /Kids [{kids}] /Count {pageCount} >>");
        objects.Add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
        for (var i = 0; i < pageCount; i++)
        {
            var contentId = 5 + (2 * i);
            objects.Add($"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {contentId} 0 R /Resources << /Font << /F1 3 0 R >> >> >>");
            var content = new StringBuilder("BT /F1 12 Tf 72 720 Td 14 TL");
            foreach (var line in pages[i])
            {
                content.Append(" (").Append(Escape(line)).Append(") Tj T*");
            }

            content.Append(" ET");
            var stream = content.ToString();
            objects.Add($"<< /Length {Encoding.ASCII.GetByteCount(stream)} >>\nstream\n{stream}\nendstream");
        }

        var sb = new StringBuilder("%PDF-1.4\n");
        var offsets = new List<int>();
        for (var i = 0; i < objects.Count; i++)
        {
            offsets.Add(Encoding.ASCII.GetByteCount(sb.ToString()));
            sb.Append(CultureInfo.InvariantCulture, $"{i + 1} 0 obj\n{objects[i]}\nendobj\n");
        }

        var xref = Encoding.ASCII.GetByteCount(sb.ToString());
        sb.Append(CultureInfo.InvariantCulture, $"xref\n0 {objects.Count + 1}\n0000000000 65535 f \n");
        foreach (var o in offsets)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{o:D10} 00000 n \n");
        }

        sb.Append(CultureInfo.InvariantCulture, $"trailer\n<< /Size {objects.Count + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n");
        return Encoding.ASCII.GetBytes(sb.ToString());
    }

    private static string Escape(string s) => s.Replace("\\", "\\\\", StringComparison.Ordinal)
        .Replace("(", "\\(", StringComparison.Ordinal).Replace(")", "\\)", StringComparison.Ordinal);
}
