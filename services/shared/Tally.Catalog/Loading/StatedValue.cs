using System.Globalization;
using System.Text.RegularExpressions;

namespace Tally.Catalog.Loading;

/// <summary>
/// Reads the number in a figure's <c>as_stated</c> wording ("271,484", "1.6M", "$886M", "32.7%",
/// "1,900 +", "fewer than 2 percent", "two") so the loader can check it against <c>value</c>.
/// Wording without a number ("the majority", "hundreds of thousands") yields null: nothing to check.
/// </summary>
internal static partial class StatedValue
{
    private static readonly Dictionary<string, decimal> Words = new(StringComparer.OrdinalIgnoreCase)
    {
        ["one"] = 1, ["two"] = 2, ["three"] = 3, ["four"] = 4, ["five"] = 5, ["six"] = 6, ["seven"] = 7,
        ["eight"] = 8, ["nine"] = 9, ["ten"] = 10, ["eleven"] = 11, ["twelve"] = 12,
    };

    public static decimal? Parse(string asStated)
    {
        var m = NumberPattern().Match(asStated);
        if (m.Success)
        {
            var number = decimal.Parse(m.Groups["n"].Value.Replace(",", string.Empty, StringComparison.Ordinal), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
            return m.Groups["s"].Value.ToUpperInvariant() switch
            {
                "K" => number * 1_000m,
                "M" => number * 1_000_000m,
                "B" => number * 1_000_000_000m,
                _ => number,
            };
        }

        foreach (var word in WordPattern().Matches(asStated).Select(w => w.Value))
        {
            if (Words.TryGetValue(word, out var n))
            {
                return n;
            }
        }

        return null;
    }

    /// <summary>"tens of thousands" -> 10,000; "hundreds of thousands" -> 100,000; null if not such wording.</summary>
    public static decimal? OrderOfMagnitude(string asStated)
    {
        var m = MagnitudePattern().Match(asStated);
        if (!m.Success)
        {
            return null;
        }

        var unit = m.Groups["unit"].Value.ToUpperInvariant() switch
        {
            "THOUSAND" or "THOUSANDS" => 1_000m,
            "MILLION" or "MILLIONS" => 1_000_000m,
            _ => 1m,
        };
        var factor = m.Groups["lead"].Value.ToUpperInvariant() switch
        {
            "TENS" => 10m,
            "HUNDREDS" => 100m,
            _ => 1m,
        };
        return unit * factor;
    }

    [GeneratedRegex(@"(?<n>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(?<s>[KMB](?![a-z]))?")]
    private static partial Regex NumberPattern();

    [GeneratedRegex(@"[A-Za-z]+")]
    private static partial Regex WordPattern();

    [GeneratedRegex(@"(?:(?<lead>tens|hundreds)\s+of\s+)?(?<unit>thousands|millions)", RegexOptions.IgnoreCase)]
    private static partial Regex MagnitudePattern();
}
