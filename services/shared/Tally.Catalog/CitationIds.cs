using System.Security.Cryptography;
using System.Text;

namespace Tally.Catalog;

/// <summary>
/// Deterministic ids of the catalog's citations. Ingestion (which owns figures and lists their citation ids)
/// and the citation service (which owns the citation records) both derive them here, so the two agree
/// without calling each other and without a shared table.
/// </summary>
public static class CitationIds
{
    /// <summary>Every citation id starts with this.</summary>
    public const string Prefix = "cit-";

    /// <summary>
    /// The id of a citation quoting <paramref name="fragment"/> from source <paramref name="sourceId"/>:
    /// "cit-" + the first 20 hex digits of SHA-256("source\nfragment"), the fragment taken after
    /// <see cref="CitationText.Normalize"/> (so a curly or a straight apostrophe give the same id).
    /// The same source and fragment always give the same id, whichever figure cites them.
    /// </summary>
    public static string ForSourceFragment(string sourceId, string fragment)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sourceId);
        ArgumentNullException.ThrowIfNull(fragment);
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes(sourceId + "\n" + CitationText.Normalize(fragment)));
        return Prefix + Convert.ToHexStringLower(bytes)[..20];
    }
}
