using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Tally.Common.V1;
using CatalogSource = Tally.Catalog.Model.Source;
using CatalogSourceKind = Tally.Catalog.Model.SourceKind;

namespace Tally.Citations.Sources;

/// <summary>Pure rules of the source registry: validation, derived ids, URL identity, catalog mapping, nearest ids.</summary>
internal static partial class SourceRules
{
    public const int MaxIdLength = 80;

    /// <summary>The proto source of a catalog source. "official_correspondence" has no proto kind and maps to OFFICIAL_REPORT.</summary>
    public static Source FromCatalog(CatalogSource source) => new()
    {
        Id = source.Id,
        Kind = source.Kind switch
        {
            CatalogSourceKind.OfficialReport or CatalogSourceKind.OfficialCorrespondence => SourceKind.OfficialReport,
            CatalogSourceKind.OfficialDataset => SourceKind.OfficialDataset,
            CatalogSourceKind.FoiaDataset => SourceKind.FoiaDataset,
            CatalogSourceKind.OversightReport => SourceKind.OversightReport,
            CatalogSourceKind.IndependentAnalysis => SourceKind.IndependentAnalysis,
            CatalogSourceKind.News => SourceKind.News,
            CatalogSourceKind.FactCheck => SourceKind.FactCheck,
            _ => SourceKind.Unspecified,
        },
        Publisher = source.Publisher,
        Title = source.Title,
        Url = source.Url?.OriginalString ?? "",
        PublishedDate = source.Published ?? "",
        RetrievedDate = source.Retrieved ?? "",
        Notes = source.Notes ?? "",
    };

    /// <summary>Problems with a source to register, each a sentence a person can act on; empty when it is valid.</summary>
    public static IReadOnlyList<string> Validate(Source source)
    {
        var problems = new List<string>();
        if (source.Kind == SourceKind.Unspecified || !Enum.IsDefined(source.Kind))
        {
            problems.Add("kind is required: one of " + string.Join(", ", Enum.GetValues<SourceKind>().Skip(1).Select(KindName)) + ".");
        }

        if (string.IsNullOrWhiteSpace(source.Title))
        {
            problems.Add("title is required (the publication's title as the publisher gives it).");
        }

        if (string.IsNullOrWhiteSpace(source.Publisher))
        {
            problems.Add("publisher is required (the organisation that published it).");
        }

        if (source.Id.Length > 0 && !IdPattern().IsMatch(source.Id))
        {
            problems.Add($"id '{source.Id}' is not a lowercase slug (letters, digits and single hyphens, at most {MaxIdLength} characters); leave it empty to derive one.");
        }

        if (source.Url.Length > 0 && !IsHttpUrl(source.Url))
        {
            problems.Add($"url '{source.Url}' is not an absolute http(s) address; leave it empty for documents that exist only as uploads.");
        }

        foreach (var (name, value) in new[] { ("published_date", source.PublishedDate), ("retrieved_date", source.RetrievedDate) })
        {
            if (value.Length > 0 && !IsPartialDate(value))
            {
                problems.Add($"{name} '{value}' is not a date: use YYYY-MM-DD, YYYY-MM or YYYY.");
            }
        }

        return problems;
    }

    /// <summary>A slug from the publisher (its acronym in parentheses when it has one) and the title.</summary>
    public static string DeriveId(string publisher, string title)
    {
        var acronym = AcronymPattern().Match(publisher);
        var head = acronym.Success ? acronym.Groups[1].Value : string.Join(' ', publisher.Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(2));
        var slug = Slug(head + " " + title);
        if (slug.Length > 64)
        {
            var cut = slug.LastIndexOf('-', 64);
            slug = slug[..(cut > 16 ? cut : 64)].TrimEnd('-');
        }

        return slug.Length > 0 ? slug : "source";
    }

    /// <summary>Lowercase ASCII letters and digits joined by single hyphens.</summary>
    public static string Slug(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                sb.Append(char.ToLowerInvariant(c));
            }
            else if (!char.IsLetterOrDigit(c) && c is not ('\'' or '\u2019') && sb.Length > 0 && sb[^1] != '-')
            {
                sb.Append('-'); // other letters (accented, non-Latin) are dropped; everything else separates words
            }
        }

        return sb.ToString().Trim('-');
    }

    /// <summary>Identity of a URL for "same source" checks: lower-case scheme and host, no fragment, no trailing slash.</summary>
    public static string UrlKey(string url)
    {
        if (string.IsNullOrWhiteSpace(url) || !Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri))
        {
            return "";
        }

        var path = uri.GetComponents(UriComponents.PathAndQuery, UriFormat.UriEscaped);
        if (path.EndsWith('/') && !path.Contains('?', StringComparison.Ordinal))
        {
            path = path.TrimEnd('/');
        }

        var port = uri.IsDefaultPort ? "" : ":" + uri.Port.ToString(CultureInfo.InvariantCulture);
        return $"{uri.Scheme.ToLowerInvariant()}://{uri.Host.ToLowerInvariant()}{port}{path}";
    }

    /// <summary>Up to three known ids closest to <paramref name="wanted"/> (edit distance), for NOT_FOUND messages.</summary>
    public static IReadOnlyList<string> Nearest(string wanted, IEnumerable<string> known)
    {
        var w = wanted.Trim().ToLowerInvariant();
        return known
            .Select(k => (Id: k, Distance: Distance(w, k.ToLowerInvariant()) - (k.Contains(w, StringComparison.OrdinalIgnoreCase) && w.Length > 2 ? 100 : 0)))
            .Where(x => x.Distance <= Math.Max(3, w.Length / 2))
            .OrderBy(x => x.Distance).ThenBy(x => x.Id, StringComparer.Ordinal)
            .Take(3)
            .Select(x => x.Id)
            .ToList();
    }

    public static bool IsHttpUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    public static string KindName(SourceKind kind) => kind switch
    {
        SourceKind.OfficialReport => "OFFICIAL_REPORT",
        SourceKind.OfficialDataset => "OFFICIAL_DATASET",
        SourceKind.FoiaDataset => "FOIA_DATASET",
        SourceKind.OversightReport => "OVERSIGHT_REPORT",
        SourceKind.IndependentAnalysis => "INDEPENDENT_ANALYSIS",
        SourceKind.News => "NEWS",
        SourceKind.FactCheck => "FACT_CHECK",
        _ => "SOURCE_KIND_UNSPECIFIED",
    };

    private static bool IsPartialDate(string value) =>
        DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _) ||
        DateOnly.TryParseExact(value + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _) ||
        DateOnly.TryParseExact(value + "-01-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _);

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    [GeneratedRegex("^(?=.{1,80}$)[a-z0-9]+(?:-[a-z0-9]+)*$")]
    private static partial Regex IdPattern();

    [GeneratedRegex(@"\(([A-Za-z][A-Za-z0-9\- ]{0,15})\)")]
    private static partial Regex AcronymPattern();
}
