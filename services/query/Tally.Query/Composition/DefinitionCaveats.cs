using Code = Tally.Common.V1.Caveat.Types.Code;

namespace Tally.Query.Composition;

/// <summary>
/// Maps a metric's own caveat codes (the catalog's open vocabulary: COUNTS_EVENTS, FISCAL_YEAR, ICE_ONLY …) to the
/// answer's caveat codes. Codes with no counterpart return null; the brief still prints their text with the definition.
/// </summary>
public static class DefinitionCaveats
{
    private static readonly Dictionary<string, Code> Known = new(StringComparer.Ordinal)
    {
        ["COUNTS_EVENTS"] = Code.DifferentUnit,
        ["HEARINGS_NOT_CASES"] = Code.DifferentUnit,
        ["WORKLOAD_COUNT"] = Code.DifferentUnit,
        ["FISCAL_YEAR"] = Code.PeriodBasis,
        ["PERIOD_BASIS_INFERRED"] = Code.PeriodBasis,
        ["MULTI_YEAR_TOTAL"] = Code.DifferentPeriod,
        ["CUMULATIVE_TO_DATE"] = Code.DifferentPeriod,
        ["HISTORICAL"] = Code.DifferentPeriod,
        ["PERIOD_INFERRED"] = Code.DifferentPeriod,
        ["PERIOD_COVERAGE_UNCLEAR"] = Code.YearToDate,
        ["ICE_ONLY"] = Code.ScopeNarrower,
        ["SCOPE_WIDER_THAN_ICE"] = Code.ScopeWider,
        ["INCLUDES_NEVER_DETAINED"] = Code.ScopeWider,
        ["STOCK_NOT_FLOW"] = Code.StockNotFlow,
        ["STOCK_SHARE"] = Code.StockNotFlow,
        ["CRIMINAL_HISTORY_NOT_CONVICTED"] = Code.DifferentPopulation,
        ["NO_CONVICTION_INCLUDES_PENDING"] = Code.DifferentPopulation,
        ["ANY_CONVICTION"] = Code.DifferentPopulation,
        ["NOT_CONVICTED"] = Code.DifferentPopulation,
        ["DEFINITION_OF_VIOLENT"] = Code.DifferentPopulation,
        ["NOT_A_REMOVAL"] = Code.DifferentEvent,
        ["ORDER_NOT_REMOVAL"] = Code.DifferentEvent,
        ["NOT_REMOVALS"] = Code.DifferentEvent,
        ["NOT_IMMIGRATION_ARRESTS"] = Code.DifferentEvent,
        ["NOT_WRONGFUL_DEPORTATIONS"] = Code.DifferentEvent,
        ["NOT_NTA_FAILURES"] = Code.DifferentEvent,
        ["REVIEWS_NOT_OUTCOMES"] = Code.DifferentEvent,
        ["SERIES_REVISED"] = Code.Revised,
        ["CHARACTERISATION"] = Code.Approximate,
        ["CHARACTERISATION_ONLY"] = Code.Approximate,
        ["LOWER_BOUND"] = Code.Approximate,
        ["DENOMINATOR_UNCLEAR"] = Code.DifferentStatistic,
        ["CRIMINALITY_AS_CLASSIFIED"] = Code.DifferentPopulation,
        ["BONDED_OUT_INCLUDES_COMPONENTS"] = Code.ComputedNotPublished,
    };

    public static Code? Map(string code)
    {
        ArgumentNullException.ThrowIfNull(code);
        if (Known.TryGetValue(code, out var known))
        {
            return known;
        }

        return Enum.TryParse<Code>(code.Replace("_", string.Empty, StringComparison.Ordinal), ignoreCase: true, out var same) && same != Code.Unspecified
            ? same
            : null;
    }
}
