using System.Collections.Frozen;
using Tally.Definitions.V1;

namespace Tally.Definitions.Model;

/// <summary>
/// The controlled vocabulary a definition may use (the catalog's, docs/catalog-format.md), and the
/// translation of a proto scope's criminality list back into the catalog's criminality classes.
/// </summary>
public static class Vocabulary
{
    /// <summary>Values of <c>counted.thing</c>: the catalog's counted events and entities.</summary>
    public static readonly FrozenSet<string> CountedThings = new[]
    {
        "removal", "return", "expulsion", "arrest", "book_in", "book_out", "release", "detainer", "person_on_docket",
        "person_in_detention", "pending_case", "case_dismissal", "case_completion", "case_closure", "case_review",
        "case_managed", "removal_order", "relief_order", "hearing", "seizure", "victim_identification", "inspection",
        "audit", "recommendation", "reunification", "workforce_deployment", "complaint",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Things that exist over time (counted on a date) rather than happen.</summary>
    public static readonly FrozenSet<string> EntityThings = new[] { "person_on_docket", "person_in_detention", "pending_case" }
        .ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Agencies as the catalog spells them.</summary>
    public static readonly FrozenSet<string> Agencies = new[] { "ICE", "CBP", "USCIS", "DHS", "DHS-OIG", "EOIR", "DOJ" }
        .ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Units of values.</summary>
    public static readonly FrozenSet<string> Units = new[] { "count", "percent", "pounds", "us_dollars" }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Scope constraint key that marks violent-offence convictions (catalog criminality convicted_violent).</summary>
    public const string OffenceKey = "offence";

    /// <summary>Value of <see cref="OffenceKey"/> for violent offences.</summary>
    public const string ViolentOffence = "violent";

    /// <summary>The agency that contains <paramref name="agency"/> (ICE → DHS), or null at the top.</summary>
    public static string? ParentAgency(string agency) => agency switch
    {
        "ICE" or "CBP" or "USCIS" or "DHS-OIG" => "DHS",
        "EOIR" => "DOJ",
        _ => null,
    };

    /// <summary>True when <paramref name="inner"/> is <paramref name="outer"/> or lies inside it.</summary>
    public static bool AgencyWithin(string inner, string outer)
    {
        for (string? a = inner; a is not null; a = ParentAgency(a))
        {
            if (string.Equals(a, outer, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The catalog's criminality class of a scope: any, convicted, convicted_violent, pending_charges, criminal_history, no_conviction, noncriminal.</summary>
    public static string CriminalityClass(Scope scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var set = CriminalitySet(scope.Criminality);
        var violent = scope.Constraints.Any(c => c.Key == OffenceKey && c.Value == ViolentOffence);
        return ClassOf(set, violent);
    }

    /// <summary>Criminality classes as a bit set: 1 convicted, 2 pending charges, 4 other (noncriminal).</summary>
    public static int CriminalitySet(IEnumerable<Criminality> classes)
    {
        ArgumentNullException.ThrowIfNull(classes);
        var set = 0;
        foreach (var c in classes)
        {
            set |= c switch
            {
                Criminality.ConvictedCriminal => 1,
                Criminality.PendingCriminalCharges => 2,
                Criminality.OtherImmigrationViolator => 4,
                _ => 0,
            };
        }

        return set == 7 ? 0 : set;
    }

    /// <summary>The bit set of a catalog criminality class (0 = no restriction).</summary>
    public static int SetOfClass(string criminalityClass) => criminalityClass switch
    {
        "convicted" or "convicted_violent" => 1,
        "pending_charges" => 2,
        "criminal_history" => 3,
        "noncriminal" => 4,
        "no_conviction" => 6,
        _ => 0,
    };

    /// <summary>The catalog class name of a bit set.</summary>
    public static string ClassOf(int set, bool violent) => set switch
    {
        0 => "any",
        1 => violent ? "convicted_violent" : "convicted",
        2 => "pending_charges",
        3 => "criminal_history",
        4 => "noncriminal",
        6 => "no_conviction",
        5 => "convicted_or_noncriminal",
        _ => "any",
    };

    /// <summary>Plain words for a criminality class.</summary>
    public static string Describe(string criminalityClass) => criminalityClass switch
    {
        "any" => "everyone, whatever their criminal record",
        "convicted" => "people with a criminal conviction",
        "convicted_violent" => "people convicted of a violent offence",
        "pending_charges" => "people with pending criminal charges and no conviction",
        "criminal_history" => "people with a criminal history (a conviction or a pending charge)",
        "no_conviction" => "people with no criminal conviction (pending charges or none)",
        "noncriminal" => "people with neither a conviction nor pending charges",
        _ => criminalityClass,
    };

    /// <summary>snake_case spelling of a proto enum value name (FISCAL_YEAR_US_FEDERAL → fiscal_year_us_federal).</summary>
    public static string Snake<T>(T value) where T : struct, Enum
    {
        var name = value.ToString();
        var text = new System.Text.StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                text.Append('_');
            }

            text.Append(char.ToLowerInvariant(name[i]));
        }

        return text.ToString();
    }

    /// <summary>Reader-facing words for a period basis.</summary>
    public static string Describe(PeriodBasis basis) => basis switch
    {
        PeriodBasis.FiscalYearUsFederal => "US federal fiscal years (October-September)",
        PeriodBasis.CalendarYear => "calendar years",
        PeriodBasis.FiscalQuarterUsFederal => "fiscal quarters",
        PeriodBasis.Month => "months",
        PeriodBasis.AsOfDate => "a single date",
        PeriodBasis.DateRange => "a span of dates",
        PeriodBasis.MultiYear => "several years together",
        _ => "an unstated period",
    };

    /// <summary>Reader-facing words for a statistic type.</summary>
    public static string Describe(StatisticType type) => type switch
    {
        StatisticType.Flow => "a flow (events during a period)",
        StatisticType.Stock => "a stock (things on one date)",
        StatisticType.Share => "a share (a percentage)",
        StatisticType.Ratio => "a ratio",
        StatisticType.Average => "an average",
        StatisticType.Cumulative => "a running total since a start date",
        _ => "an unstated statistic",
    };
}
