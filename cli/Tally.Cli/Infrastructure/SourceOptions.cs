using System.CommandLine;
using System.Globalization;
using Tally.Common.V1;

namespace Tally.Cli.Infrastructure;

/// <summary>
/// Which source an upload belongs to: --source ID of a registered source, or metadata of a new one
/// (--title, --publisher, --url, --published, --kind), registered idempotently by URL.
/// </summary>
internal sealed class SourceOptions
{
    private static readonly Dictionary<string, SourceKind> Kinds = new(StringComparer.OrdinalIgnoreCase)
    {
        ["official-report"] = SourceKind.OfficialReport,
        ["official-dataset"] = SourceKind.OfficialDataset,
        ["foia-dataset"] = SourceKind.FoiaDataset,
        ["oversight-report"] = SourceKind.OversightReport,
        ["independent-analysis"] = SourceKind.IndependentAnalysis,
        ["news"] = SourceKind.News,
        ["fact-check"] = SourceKind.FactCheck,
    };

    public SourceOptions(string defaultKind)
    {
        DefaultKind = defaultKind;
        Kind = new Option<string>("--kind")
        {
            Description = $"Kind of a new source [default: {defaultKind}]",
            HelpName = "KIND",
            DefaultValueFactory = _ => defaultKind,
        };
        Kind.AcceptOnlyFromAmong([.. Kinds.Keys]);
    }

    public string DefaultKind { get; }

    public Option<string?> SourceId { get; } = new("--source") { Description = "Id of an already registered source (see `tally sources`)", HelpName = "ID" };
    public Option<string?> Title { get; } = new("--title") { Description = "Title of a new source [default: the file name]" };
    public Option<string?> Publisher { get; } = new("--publisher") { Description = "Publisher of a new source, e.g. \"U.S. Immigration and Customs Enforcement\"" };
    public Option<string?> Url { get; } = new("--url") { Description = "Canonical URL of a new source (sources are registered once per URL)" };
    public Option<string?> Published { get; } = new("--published") { Description = "Publication date of a new source, YYYY-MM-DD (or YYYY-MM, YYYY)", HelpName = "DATE" };
    public Option<string> Kind { get; }

    public IEnumerable<Option> All => [SourceId, Title, Publisher, Url, Published, Kind];

    /// <summary>True when any option describing a new source was given.</summary>
    public bool DescribesNewSource(ParseResult parse) =>
        new[] { Title, Publisher, Url, Published }.Any(o => parse.GetResult(o) is not null) || parse.GetResult(Kind) is { Implicit: false };

    /// <summary>The registered source id, or null when a new source is described.</summary>
    public string? ExistingId(ParseResult parse)
    {
        var id = parse.GetValue(SourceId);
        if (string.IsNullOrWhiteSpace(id))
        {
            return null;
        }
        if (DescribesNewSource(parse))
        {
            throw new CliUsageException("give either --source ID or the new source's --title/--publisher/--url/--published/--kind, not both");
        }
        return id.Trim();
    }

    public Source NewSource(ParseResult parse, string fileName)
    {
        var published = parse.GetValue(Published)?.Trim() ?? "";
        if (published.Length > 0 && !IsDate(published))
        {
            throw new CliUsageException($"--published '{published}' is not YYYY-MM-DD, YYYY-MM or YYYY");
        }
        var url = parse.GetValue(Url)?.Trim() ?? "";
        if (url.Length > 0 && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
        {
            throw new CliUsageException($"--url '{url}' is not an absolute http(s) URL");
        }
        var title = parse.GetValue(Title)?.Trim();
        return new Source
        {
            Kind = Kinds[parse.GetValue(Kind) ?? DefaultKind],
            Title = string.IsNullOrEmpty(title) ? fileName : title,
            Publisher = parse.GetValue(Publisher)?.Trim() ?? "",
            Url = url,
            PublishedDate = published,
        };
    }

    private static readonly string[] DateFormats = ["yyyy-MM-dd", "yyyy-MM", "yyyy"];

    private static bool IsDate(string text) =>
        DateOnly.TryParseExact(text, DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out _);
}
