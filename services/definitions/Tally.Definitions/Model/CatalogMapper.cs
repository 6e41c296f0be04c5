using System.Globalization;
using Tally.Common.V1;
using Tally.Definitions.V1;
using Cat = Tally.Catalog.Model;

namespace Tally.Definitions.Model;

/// <summary>
/// Translates the bundled catalog's model into the registry's contract (proto) shapes. The result carries no
/// version or audit fields: the registry assigns those when it stores a version.
/// </summary>
public static class CatalogMapper
{
    /// <summary>Who the registry records as the author of versions imported from the catalog.</summary>
    public const string CatalogAuthor = "catalog-loader";

    public static MetricDefinition ToProto(Cat.MetricDefinition metric, IReadOnlyList<Cat.MetricRelation> relations)
    {
        ArgumentNullException.ThrowIfNull(metric);
        ArgumentNullException.ThrowIfNull(relations);
        var definition = new MetricDefinition
        {
            Id = metric.Id,
            Name = metric.Name,
            Description = metric.Description,
            Counted = new Counted
            {
                Kind = Vocabulary.EntityThings.Contains(Snake(metric.Counted.What)) ? CountedKind.Entity : CountedKind.Event,
                Thing = Snake(metric.Counted.What),
                Unit = metric.Counted.Unit switch
                {
                    Cat.CountingUnit.Events => CountingUnit.Events,
                    Cat.CountingUnit.People => CountingUnit.People,
                    Cat.CountingUnit.Cases => CountingUnit.Cases,
                    Cat.CountingUnit.Stays => CountingUnit.Stays,
                    Cat.CountingUnit.Items => CountingUnit.Items,
                    _ => CountingUnit.Quantity,
                },
            },
            Scope = ToScope(metric.Population),
            StatisticType = metric.Statistic.Type switch
            {
                Cat.StatisticType.Flow => StatisticType.Flow,
                Cat.StatisticType.Stock => StatisticType.Stock,
                Cat.StatisticType.Share => StatisticType.Share,
                Cat.StatisticType.Average => StatisticType.Average,
                _ => StatisticType.Cumulative,
            },
            Additivity = metric.Statistic.Additive ? Additivity.Additive
                : metric.Statistic.Type == Cat.StatisticType.Stock ? Additivity.SemiAdditive : Additivity.NonAdditive,
            PeriodBasis = ToBasis(metric.Period.Basis),
            HasYearToDateValues = metric.Period.YearToDate,
            Unit = Snake(metric.Unit),
            ScaleExponent = (int)Math.Round(Math.Log10(Math.Max(1, metric.Scale))),
            Notes = metric.Notes ?? string.Empty,
            Family = metric.Family,
            ShareOf = metric.Statistic.ShareOf ?? string.Empty,
        };
        definition.Aliases.AddRange(metric.Aliases);
        definition.Caveats.AddRange(metric.Caveats.Select(c => new DefinitionCaveat { Code = c.Code, Text = c.Text }));

        switch (metric.Values)
        {
            case Cat.DerivedValues derived:
                var formula = new DerivedSource
                {
                    Operation = derived.Op switch
                    {
                        Cat.DerivedOp.Sum => DerivedSource.Types.Operation.Sum,
                        Cat.DerivedOp.Difference => DerivedSource.Types.Operation.Difference,
                        _ => DerivedSource.Types.Operation.Ratio,
                    },
                };
                formula.Operands.AddRange(derived.Of.Select(id => new Operand { MetricId = id }));
                definition.Derived = formula;
                break;
            case Cat.ComputedValues computed:
                definition.Computed = ToComputed(computed);
                if (computed.UntilIngested is { } pending)
                {
                    definition.Computed.UntilIngested = ToGap(pending, metric.Id, relations);
                }

                break;
            case Cat.PublishedValues:
                definition.Published = new PublishedSource { Note = "Figures recorded from sources in the catalog." };
                break;
        }

        if (metric.Gap is { } gap)
        {
            definition.Gap = ToGap(gap, metric.Id, relations);
        }

        return definition;
    }

    private static Gap ToGap(Cat.MetricGap gap, string metricId, IReadOnlyList<Cat.MetricRelation> relations)
    {
        var proto = new Gap
        {
            Question = gap.Question,
            WhyUnpublished = gap.WhyUnpublished,
            WhatWouldSettle = gap.WhatWouldSettleIt,
        };
        proto.LeadSourceIds.AddRange(gap.Leads);
        // Metrics people confuse with the gap: those the catalog says are not interchangeable with it, in catalog order.
        proto.NearestMetricIds.AddRange(relations
            .Where(r => r.Type == Cat.RelationType.NotInterchangeableWith && r.Involves(metricId))
            .Select(r => r.From == metricId ? r.To : r.From)
            .Distinct(StringComparer.Ordinal));
        return proto;
    }

    public static Relation ToProto(Cat.MetricRelation relation)
    {
        ArgumentNullException.ThrowIfNull(relation);
        var proto = new Relation
        {
            FromMetricId = relation.From,
            ToMetricId = relation.To,
            Type = relation.Type switch
            {
                Cat.RelationType.SubsetOf => RelationType.SubsetOf,
                Cat.RelationType.ComponentOf => RelationType.ComponentOf,
                Cat.RelationType.NotInterchangeableWith => RelationType.NotInterchangeableWith,
                _ => RelationType.Supersedes,
            },
            Reason = relation.Reason,
        };
        if (ParseCaveatCode(relation.Caveat) is { } code)
        {
            proto.Differences.Add(code);
        }

        return proto;
    }

    /// <summary>One entry per phrase, in catalog order.</summary>
    public static IEnumerable<GlossaryEntry> ToProto(Cat.GlossaryEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var kind = entry.Dimension switch
        {
            Cat.GlossaryDimension.Event => GlossaryEntry.Types.Kind.EventWord,
            Cat.GlossaryDimension.Criminality => GlossaryEntry.Types.Kind.PopulationWord,
            Cat.GlossaryDimension.Agency => GlossaryEntry.Types.Kind.AgencyWord,
            Cat.GlossaryDimension.Period => GlossaryEntry.Types.Kind.PeriodWord,
            _ => GlossaryEntry.Types.Kind.StatisticWord,
        };
        foreach (var phrase in entry.Phrases)
        {
            var proto = new GlossaryEntry
            {
                Term = entry.Dimension == Cat.GlossaryDimension.Agency ? phrase : phrase.ToLowerInvariant(),
                Concept = entry.Value,
                Kind = kind,
                Notes = entry.Note ?? string.Empty,
            };
            proto.AlternativeConcepts.AddRange(entry.Also);
            yield return proto;
        }
    }

    /// <summary>A catalog caveat code as a contract code, or null when the contract has no such code.</summary>
    public static Caveat.Types.Code? ParseCaveatCode(string? code)
    {
        if (string.IsNullOrWhiteSpace(code))
        {
            return null;
        }

        if (code == "DIFFERENT_MEASURE")
        {
            return Caveat.Types.Code.DifferentStatistic;
        }

        var pascal = string.Concat(code.Split('_', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p[..1] + p[1..].ToLowerInvariant()));
        return Enum.TryParse<Caveat.Types.Code>(pascal, ignoreCase: false, out var parsed) && Enum.IsDefined(parsed)
            ? parsed
            : null;
    }

    private static Scope ToScope(Cat.Population population)
    {
        var scope = new Scope
        {
            Agency = Vocabulary.Agencies.First(a => string.Equals(AgencyName(population.Agency), a, StringComparison.Ordinal)),
            Program = population.Program ?? string.Empty,
            Note = population.Other ?? string.Empty,
        };
        var set = Vocabulary.SetOfClass(Snake(population.Criminality));
        if ((set & 1) != 0) scope.Criminality.Add(Criminality.ConvictedCriminal);
        if ((set & 2) != 0) scope.Criminality.Add(Criminality.PendingCriminalCharges);
        if ((set & 4) != 0) scope.Criminality.Add(Criminality.OtherImmigrationViolator);
        if (population.Criminality == Cat.Criminality.ConvictedViolent)
        {
            scope.Constraints.Add(new Dimension { Key = Vocabulary.OffenceKey, Value = Vocabulary.ViolentOffence });
        }

        switch (population.Citizenship)
        {
            case Cat.Citizenship.Noncitizens:
                scope.Citizenship.Add("noncitizen");
                break;
            case Cat.Citizenship.UsCitizens:
                scope.Citizenship.Add("US");
                break;
        }

        return scope;
    }

    private static string AgencyName(Cat.Agency agency) => agency switch
    {
        Cat.Agency.Ice => "ICE",
        Cat.Agency.Cbp => "CBP",
        Cat.Agency.Uscis => "USCIS",
        Cat.Agency.Dhs => "DHS",
        Cat.Agency.DhsOig => "DHS-OIG",
        Cat.Agency.Eoir => "EOIR",
        _ => "DOJ",
    };

    private static PeriodBasis ToBasis(Cat.PeriodBasis basis) => basis switch
    {
        Cat.PeriodBasis.UsFederalFiscalYear => PeriodBasis.FiscalYearUsFederal,
        Cat.PeriodBasis.CalendarYear => PeriodBasis.CalendarYear,
        Cat.PeriodBasis.Month => PeriodBasis.Month,
        Cat.PeriodBasis.AsOfDate => PeriodBasis.AsOfDate,
        Cat.PeriodBasis.DateRange => PeriodBasis.DateRange,
        Cat.PeriodBasis.MultiYear => PeriodBasis.MultiYear,
        _ => PeriodBasis.Unspecified,
    };

    /// <summary>The catalog's computed values: "dataset/table", "count" or "sum|count_distinct|mean(column)", IN filters, "latest_pull" or "pull_date=…".</summary>
    private static ComputedSource ToComputed(Cat.ComputedValues computed)
    {
        var slash = computed.Dataset.IndexOf('/', StringComparison.Ordinal);
        var source = new ComputedSource
        {
            Dataset = slash < 0 ? computed.Dataset : computed.Dataset[..slash],
            Table = slash < 0 ? string.Empty : computed.Dataset[(slash + 1)..],
            DateColumn = computed.DateColumn,
            Calendar = ToBasis(computed.Calendar),
        };
        var measure = computed.Measure.Trim();
        var open = measure.IndexOf('(', StringComparison.Ordinal);
        var column = open < 0 ? string.Empty : measure[(open + 1)..^1].Trim();
        source.Measure = (open < 0 ? measure : measure[..open].Trim()) switch
        {
            "count" => new DatasetMeasure { Aggregation = DatasetMeasure.Types.Aggregation.CountRows },
            "count_distinct" => new DatasetMeasure { Aggregation = DatasetMeasure.Types.Aggregation.CountDistinct, Column = column },
            "mean" => new DatasetMeasure { Aggregation = DatasetMeasure.Types.Aggregation.Mean, Column = column },
            _ => new DatasetMeasure { Aggregation = DatasetMeasure.Types.Aggregation.Sum, Column = column },
        };
        foreach (var (name, values) in computed.Filters)
        {
            var filter = new DatasetFilter
            {
                Column = name,
                Operator = values.Length == 1 ? DatasetFilter.Types.Operator.Equals : DatasetFilter.Types.Operator.In,
            };
            filter.Values.AddRange(values);
            source.Filters.Add(filter);
        }

        if (computed.Vintage.StartsWith("pull_date=", StringComparison.Ordinal))
        {
            source.VintageRule = ComputedSource.Types.VintageRule.Pinned;
            source.PinnedVintage = computed.Vintage["pull_date=".Length..];
        }
        else
        {
            source.VintageRule = ComputedSource.Types.VintageRule.Latest;
        }

        return source;
    }

    private static string Snake<T>(T value) where T : struct, Enum => Vocabulary.Snake(value);

    internal static string Invariant(this int value) => value.ToString(CultureInfo.InvariantCulture);
}
