using System.Globalization;
using System.Text.RegularExpressions;
using Tally.Common.V1;

namespace Tally.Query.Composition;

/// <summary>Formats values for reading: "271,484", "nearly 287,000", "32.7%", "about $886 million".</summary>
public static partial class ValueText
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static bool IsPercent(string unit) =>
        unit.Equals("percent", StringComparison.OrdinalIgnoreCase) || unit.Equals("ratio", StringComparison.OrdinalIgnoreCase);

    public static bool IsMoney(string unit) =>
        unit.Equals("usd", StringComparison.OrdinalIgnoreCase) || unit.Equals("us_dollars", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// A figure's value in base units: shares as fractions (0.327). Sources that store percentage points
    /// (32.7 with "32.7%" as printed) are recognised by the printed number and converted.
    /// </summary>
    public static double BaseValue(Figure figure)
    {
        ArgumentNullException.ThrowIfNull(figure);
        if (!IsPercent(figure.Unit))
        {
            return figure.Value;
        }

        var printed = FirstNumber(figure.ValueText);
        var saysPercent = figure.ValueText.Contains('%', StringComparison.Ordinal) ||
                          figure.ValueText.Contains("percent", StringComparison.OrdinalIgnoreCase);
        if (printed is { } n && saysPercent)
        {
            if (Math.Abs(n - figure.Value) < 1e-9)
            {
                return figure.Value / 100.0; // stored in percentage points, as printed
            }

            if (Math.Abs(n - (figure.Value * 100)) < 1e-6)
            {
                return figure.Value; // already a fraction
            }
        }

        return Math.Abs(figure.Value) > 1.0 ? figure.Value / 100.0 : figure.Value;
    }

    /// <summary>True when the source gives words, not a number ("hundreds of thousands", "the majority").</summary>
    public static bool IsCharacterisation(Figure figure) =>
        !string.IsNullOrWhiteSpace(figure.ValueText) && !figure.ValueText.Any(char.IsAsciiDigit);

    /// <summary>The value as a reader should see it, with its hedge.</summary>
    public static string Format(Figure figure)
    {
        ArgumentNullException.ThrowIfNull(figure);
        if (IsCharacterisation(figure))
        {
            return figure.ValueText.Trim();
        }

        return WithQualifier(Number(BaseValue(figure), figure.Unit, figure.ValueText), figure.Qualifier);
    }

    public static string WithQualifier(string number, Qualifier qualifier) => qualifier switch
    {
        Qualifier.Approximately => "about " + number,
        Qualifier.AtLeast => "at least " + number,
        Qualifier.MoreThan => "more than " + number,
        Qualifier.FewerThan => "fewer than " + number,
        Qualifier.AtMost => "at most " + number,
        Qualifier.Nearly => "nearly " + number,
        _ => number,
    };

    /// <summary>A number in base units for reading: counts with separators, shares in percent, large rounded values in millions.</summary>
    public static string Number(double value, string unit, string? printed = null)
    {
        if (IsPercent(unit))
        {
            var decimals = Decimals(printed) ?? (Math.Abs(value * 100 - Math.Round(value * 100)) < 1e-9 ? 0 : 1);
            return (value * 100).ToString("F" + decimals, Inv) + "%";
        }

        var money = IsMoney(unit) ? "$" : string.Empty;
        var suffix = unit.StartsWith("pound", StringComparison.OrdinalIgnoreCase) ? " pounds" : string.Empty;
        var abs = Math.Abs(value);
        if (abs >= 1_000_000 && Math.Abs(value % 100_000) < 1e-6)
        {
            var millions = value / 1_000_000;
            return abs >= 1_000_000_000 && Math.Abs(value % 100_000_000) < 1e-6
                ? $"{money}{(value / 1_000_000_000).ToString("0.#", Inv)} billion{suffix}"
                : $"{money}{millions.ToString("0.#", Inv)} million{suffix}";
        }

        return money + (Math.Abs(value - Math.Round(value)) < 1e-9 ? value.ToString("N0", Inv) : value.ToString("N1", Inv)) + suffix;
    }

    /// <summary>The first number printed in a text ("32.7" in "32.7%"), without separators.</summary>
    public static double? FirstNumber(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        var m = NumberRegex().Match(text);
        return m.Success && double.TryParse(m.Value.Replace(",", string.Empty, StringComparison.Ordinal), NumberStyles.Float, Inv, out var v) ? v : null;
    }

    /// <summary>Decimal places of the first printed number ("32.7%" → 1); null when nothing is printed.</summary>
    public static int? Decimals(string? printed)
    {
        if (string.IsNullOrEmpty(printed))
        {
            return null;
        }

        var m = NumberRegex().Match(printed);
        if (!m.Success)
        {
            return null;
        }

        var dot = m.Value.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? 0 : m.Value.Length - dot - 1;
    }

    [GeneratedRegex(@"\d[\d,]*(?:\.\d+)?")]
    private static partial Regex NumberRegex();
}
