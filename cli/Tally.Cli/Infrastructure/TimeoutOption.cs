using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Tally.Cli.Infrastructure;

/// <summary>--timeout: a deadline for each call, as "30s", "2m", "1h", "500ms" or plain seconds ("45").</summary>
internal static partial class TimeoutOption
{
    /// <summary>Deadline of unary calls when --timeout is not given.</summary>
    public static readonly TimeSpan DefaultUnary = TimeSpan.FromSeconds(30);

    public static Option<TimeSpan?> Create() => new("--timeout")
    {
        Description = "Deadline for each call to the server: 30s, 2m, 1h, 500ms or seconds [default: 30s; ingest dataset: 1h]",
        HelpName = "DURATION",
        Recursive = true,
        CustomParser = Parse,
    };

    public static bool TryParse(string text, out TimeSpan value)
    {
        value = default;
        var match = DurationPattern().Match(text.Trim());
        if (!match.Success
            || !double.TryParse(match.Groups["n"].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n))
        {
            return false;
        }
        value = match.Groups["u"].Value.ToLowerInvariant() switch
        {
            "ms" => TimeSpan.FromMilliseconds(n),
            "m" or "min" => TimeSpan.FromMinutes(n),
            "h" => TimeSpan.FromHours(n),
            _ => TimeSpan.FromSeconds(n),
        };
        return value > TimeSpan.Zero && value <= TimeSpan.FromDays(1);
    }

    public static string Format(TimeSpan value) =>
        value.TotalMilliseconds < 1000 ? $"{value.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)}ms"
        : value.TotalSeconds < 120 ? $"{value.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)}s"
        : value.TotalMinutes < 120 ? $"{value.TotalMinutes.ToString("0.#", CultureInfo.InvariantCulture)}m"
        : $"{value.TotalHours.ToString("0.#", CultureInfo.InvariantCulture)}h";

    private static TimeSpan? Parse(ArgumentResult result)
    {
        var token = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (TryParse(token, out var value))
        {
            return value;
        }
        result.AddError($"--timeout '{token}' is not a duration between 1ms and 24h; write it as 30s, 2m, 1h, 500ms or seconds");
        return null;
    }

    [GeneratedRegex(@"^(?<n>\d+(\.\d+)?)\s*(?<u>ms|s|sec|m|min|h)?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DurationPattern();
}
