namespace Tally.Storage;

/// <summary>Text as both dialects can store it.</summary>
public static class SqlText
{
    /// <summary>
    /// PostgreSQL text cannot hold NUL (U+0000); SQLite can. Both dialects store U+FFFD in its place — one character for
    /// one, so offsets into the text stay valid — and so read back the same text.
    /// </summary>
    public static string? WithoutNul(string? text) =>
        text is null || !text.Contains('\0', StringComparison.Ordinal) ? text : text.Replace('\0', '\uFFFD');
}
