using System.Globalization;
using System.Text;

namespace Tally.Ingestion;

/// <summary>
/// File names that arrive with uploads (IngestDocument.file_name, DatasetHeader.file_name) are labels, never paths:
/// nothing in ingestion opens, creates or resolves a file by them (dataset spools are named by load id). Before a name
/// is used or stored it is reduced to a safe label: the last segment after any '/' or '\' (and a drive prefix such as
/// "C:"), without control or invisible formatting characters (NUL, CR/LF, bidi overrides), "." and ".." dropped,
/// trimmed, and cut to <see cref="MaxLength"/> characters keeping the extension (which picks the format and table).
/// </summary>
public static class UploadFileName
{
    /// <summary>Longest name kept, in characters (common file systems allow 255).</summary>
    public const int MaxLength = 255;

    /// <summary>The safe label for <paramref name="name"/>; empty when nothing usable is left.</summary>
    public static string Sanitize(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "";
        }

        var clean = new StringBuilder(Math.Min(name.Length, 4 * MaxLength));
        foreach (var rune in name.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator
                or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned)
            {
                continue;
            }

            clean.Append(rune.ToString());
        }

        var text = clean.ToString();
        var slash = text.LastIndexOfAny(['/', '\\']);
        var last = (slash >= 0 ? text[(slash + 1)..] : text).Trim();
        if (last.Length >= 2 && char.IsAsciiLetter(last[0]) && last[1] == ':')
        {
            last = last[2..].Trim(); // "C:evil.txt": a drive-relative path on Windows
        }

        if (last.Trim('.').Length == 0)
        {
            return ""; // ".", "..", "...": a path step, not a name
        }

        if (last.Length <= MaxLength)
        {
            return last;
        }

        var dot = last.LastIndexOf('.');
        var extension = dot > 0 && last.Length - dot <= 16 ? last[dot..] : "";
        var stem = last[..(last.Length - extension.Length)];
        var keep = MaxLength - extension.Length;
        if (char.IsHighSurrogate(stem[keep - 1]))
        {
            keep--; // never split a surrogate pair
        }

        return stem[..keep] + extension;
    }
}
