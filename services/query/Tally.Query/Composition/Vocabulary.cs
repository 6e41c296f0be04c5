using Tally.Definitions.V1;

namespace Tally.Query.Composition;

/// <summary>Plain words for the registry's controlled vocabulary, and the criminality classes as sets.</summary>
public static class Vocabulary
{
    private static readonly Dictionary<string, string> ThingPlurals = new(StringComparer.Ordinal)
    {
        ["removal"] = "removals (departures under an order of removal)",
        ["return"] = "returns (departures without a removal order)",
        ["expulsion"] = "expulsions",
        ["arrest"] = "arrests",
        ["administrative_arrest"] = "administrative arrests",
        ["book_in"] = "book-ins into ICE detention",
        ["book_out"] = "book-outs from ICE detention",
        ["release"] = "releases from ICE custody into the country",
        ["detainer"] = "detainers",
        ["person_on_docket"] = "people on a docket on one date",
        ["person_in_detention"] = "people in detention on one date",
        ["pending_case"] = "pending cases",
        ["case_dismissal"] = "court case dismissals",
        ["case_completion"] = "completed court cases",
        ["case_closure"] = "case closures",
        ["case_review"] = "case reviews",
        ["case_managed"] = "cases managed",
        ["removal_order"] = "removal orders (a judge's order, not a removal)",
        ["relief_order"] = "grants of relief",
        ["hearing"] = "court hearings",
        ["seizure"] = "seizures",
        ["victim_identification"] = "victims identified",
        ["inspection"] = "inspections",
        ["audit"] = "audits",
        ["recommendation"] = "recommendations",
        ["reunification"] = "family reunifications",
        ["workforce_deployment"] = "workforce deployments",
        ["complaint"] = "reports or complaints",
    };

    /// <summary>"removals (departures under an order of removal)" for "removal".</summary>
    public static string Thing(string thing) =>
        ThingPlurals.TryGetValue(thing, out var words) ? words : thing.Replace('_', ' ') + "s";

    /// <summary>Short plural without the gloss: "removals", "releases from ICE custody into the country".</summary>
    public static string ThingShort(string thing)
    {
        var words = Thing(thing);
        var paren = words.IndexOf(" (", StringComparison.Ordinal);
        return paren < 0 ? words : words[..paren];
    }

    /// <summary>The criminality classes a catalog concept covers; null when the concept is not a criminality.</summary>
    public static IReadOnlySet<Criminality>? CriminalityOf(string concept) => concept switch
    {
        "convicted" or "convicted_criminal" or "convicted_violent" => Set(Criminality.ConvictedCriminal),
        "pending_charges" or "pending_criminal_charges" => Set(Criminality.PendingCriminalCharges),
        "criminal_history" => Set(Criminality.ConvictedCriminal, Criminality.PendingCriminalCharges),
        "noncriminal" or "other_immigration_violator" => Set(Criminality.OtherImmigrationViolator),
        "no_conviction" => Set(Criminality.PendingCriminalCharges, Criminality.OtherImmigrationViolator),
        _ => null,
    };

    /// <summary>All three classes: what an empty scope list means.</summary>
    public static IReadOnlySet<Criminality> AnyCriminality { get; } =
        Set(Criminality.ConvictedCriminal, Criminality.PendingCriminalCharges, Criminality.OtherImmigrationViolator);

    public static IReadOnlySet<Criminality> ScopeCriminality(MetricDefinition metric) =>
        metric.Scope is { Criminality.Count: > 0 } scope ? scope.Criminality.ToHashSet() : AnyCriminality;

    /// <summary>"people with a criminal conviction", "people with a conviction or a pending criminal charge" …</summary>
    public static string Population(IReadOnlySet<Criminality> set)
    {
        if (set.SetEquals(AnyCriminality))
        {
            return "people of any criminal history";
        }

        var c = set.Contains(Criminality.ConvictedCriminal);
        var p = set.Contains(Criminality.PendingCriminalCharges);
        var o = set.Contains(Criminality.OtherImmigrationViolator);
        return (c, p, o) switch
        {
            (true, false, false) => "people with a criminal conviction",
            (false, true, false) => "people with pending criminal charges and no conviction",
            (true, true, false) => "people with a criminal conviction or a pending criminal charge (ICE's \"criminal history\")",
            (false, false, true) => "people with neither a conviction nor pending charges",
            (false, true, true) => "people without a criminal conviction",
            _ => "people of the classes " + string.Join(", ", set.Order()),
        };
    }

    public static string Statistic(StatisticType type) => type switch
    {
        StatisticType.Flow => "a count of events over a period",
        StatisticType.Stock => "a count on one date",
        StatisticType.Share => "a percentage",
        StatisticType.Ratio => "a ratio",
        StatisticType.Average => "an average",
        StatisticType.Cumulative => "a running total since a stated start",
        _ => "a statistic",
    };

    /// <summary>The display name fit for the middle of a sentence: parentheticals dropped, first letter lowered unless an acronym.</summary>
    public static string NameInSentence(string name)
    {
        var n = StripParentheticals(name);
        if (n.Length > 1 && char.IsUpper(n[0]) && char.IsLower(n[1]))
        {
            n = char.ToLowerInvariant(n[0]) + n[1..];
        }

        return n;
    }

    /// <summary>The display name without "(annual)"-style parentheticals, first letter kept.</summary>
    public static string StripParentheticals(string name)
    {
        var result = name;
        int open;
        while ((open = result.IndexOf(" (", StringComparison.Ordinal)) >= 0)
        {
            var close = result.IndexOf(')', open);
            if (close < 0)
            {
                break;
            }

            result = result[..open] + result[(close + 1)..];
        }

        return result.Trim();
    }

    public static string Capitalise(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];

    private static HashSet<Criminality> Set(params Criminality[] values) => [.. values];
}
