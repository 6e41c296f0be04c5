using System.Globalization;
using System.Runtime.Serialization;
using System.Text;
using Tally.Analysis;
using Tally.Catalog;
using Tally.Citations.V1;
using Tally.Common.V1;
using Tally.Definitions.V1;
using Tally.Query.Composition;
using Cat = Tally.Catalog.Model;
using Citation = Tally.Common.V1.Citation;
using ParsedQuestion = Tally.Definitions.V1.ParsedQuestion;
using Criminality = Tally.Definitions.V1.Criminality;
using Figure = Tally.Common.V1.Figure;
using MetricDefinition = Tally.Definitions.V1.MetricDefinition;
using Period = Tally.Common.V1.Period;
using PeriodBasis = Tally.Definitions.V1.PeriodBasis;
using PeriodKind = Tally.Common.V1.PeriodKind;
using RelationType = Tally.Definitions.V1.RelationType;
using SourceKind = Tally.Common.V1.SourceKind;
using StatisticType = Tally.Definitions.V1.StatisticType;

namespace Tally.Query.Tests.Support;

/// <summary>
/// The bundled catalog in the proto shapes the other services return (ListMetrics, ListRelations, ListFigures,
/// FormatReferences), so the composer can be tested without them. Figures are REVIEWED (the bundled catalog is
/// reviewed by hand); citation ids are "figure-id#n".
/// </summary>
internal sealed class CatalogProto
{
    private static readonly Lazy<CatalogProto> Bundled = new(() => new CatalogProto(CatalogLoader.Load(RepoPaths.BundledCatalog)));

    private readonly Dictionary<string, (Cat.Citation Citation, Cat.Figure Figure)> _citations = new(StringComparer.Ordinal);

    private CatalogProto(Tally.Catalog.Catalog catalog)
    {
        Catalog = catalog;
        var relations = catalog.Relations.Select(ToProto).ToList();
        Metrics = catalog.Metrics.Select(m => ToProto(m, catalog)).ToList();
        Registry = new RegistryView(CatalogVersion, Metrics, relations);
        Figures = catalog.Figures.GroupBy(f => f.Metric, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<Figure>)g.Select(ToProto).ToList(), StringComparer.Ordinal);
    }

    public const int CatalogVersion = 1;

    public static CatalogProto Instance => Bundled.Value;

    public Tally.Catalog.Catalog Catalog { get; }

    public IReadOnlyList<MetricDefinition> Metrics { get; }

    public RegistryView Registry { get; }

    public Dictionary<string, IReadOnlyList<Figure>> Figures { get; }

    /// <summary>Inputs for the composer: the bundled catalog plus a parse and candidates.</summary>
    public AnswerInputs Inputs(string question, ParsedQuestion? parsed, IEnumerable<Candidate> candidates,
        IReadOnlyDictionary<string, IReadOnlyList<Figure>>? figures = null, string? chosen = null) => new()
        {
            Question = question,
            Parsed = parsed,
            Candidates = candidates.ToList(),
            Registry = Registry,
            Figures = figures ?? Figures,
            ChosenMetricId = chosen,
            Today = new DateOnly(2025, 11, 22),
        };

    /// <summary>A copy of the figures with extra ones added (for rules the bundled catalog does not exercise).</summary>
    public Dictionary<string, IReadOnlyList<Figure>> FiguresWith(params Figure[] extra)
    {
        var copy = Figures.ToDictionary(kv => kv.Key, kv => kv.Value.ToList(), StringComparer.Ordinal);
        foreach (var f in extra)
        {
            if (!copy.TryGetValue(f.MetricId, out var list))
            {
                copy[f.MetricId] = list = [];
            }

            list.Add(f);
        }

        return copy.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<Figure>)kv.Value, StringComparer.Ordinal);
    }

    public Candidate Candidate(string metricId, double score, params string[] reasons)
    {
        var m = Registry.Find(metricId) ?? throw new ArgumentException($"no metric {metricId}");
        var c = new Candidate { MetricId = m.Id, Version = m.Version, Name = m.Name, Score = score, IsGap = m.Gap is not null };
        c.Reasons.AddRange(reasons.Length == 0 ? [$"test candidate {metricId}"] : reasons);
        return c;
    }

    /// <summary>What FormatReferences would return: original publications named, with the citing snapshot.</summary>
    public IReadOnlyList<Reference> References(IReadOnlyList<Citation> citations) =>
        citations.Select((c, i) =>
        {
            var (cit, _) = _citations[c.Id];
            var source = Catalog.FindSource(cit.OriginalSource ?? cit.Source)!;
            var holder = Catalog.FindSource(cit.Source)!;
            return new Reference
            {
                Number = i + 1,
                CitationId = c.Id,
                Title = source.Title,
                Publisher = source.Publisher + (cit.OriginalSource is null ? string.Empty : $" (as reported by {holder.Publisher}, \"{holder.Title}\")"),
                Url = holder.Url?.ToString() ?? string.Empty,
                Link = c.Link,
                Fragment = c.Fragment,
                Verified = c.Verified,
                SnapshotId = c.SnapshotId,
                Accessed = "2025-11-22",
                SourceKind = SourceKind.OfficialReport,
                LocatorText = cit.Locator,
                PublishedDate = source.Published ?? string.Empty,
            };
        }).ToList();

    /// <summary>The catalog source a citation reports its figure from (original publication, else the snapshot).</summary>
    public string OriginalSourceOf(Citation c) => _citations[c.Id].Citation.OriginalSource ?? _citations[c.Id].Citation.Source;

    public Figure Figure(string metricId, string period, double value, string valueText, Qualifier qualifier = Qualifier.Exact,
        FigureStatus status = FigureStatus.Final, ReviewState review = ReviewState.Reviewed, string vintage = "", string? id = null, string unit = "count")
    {
        var f = new Figure
        {
            Id = id ?? $"{metricId}@{period}/test/{valueText}",
            MetricId = metricId,
            DefinitionVersion = 1,
            Period = Period(Cat.CatalogPeriod.Parse(period)),
            Value = value,
            Qualifier = qualifier,
            Status = status,
            Unit = unit,
            Vintage = vintage,
            ReviewState = review,
            ValueText = valueText,
            SourceId = "test-source",
        };
        f.Citations.Add(new Citation
        {
            Id = f.Id + "#0",
            SnapshotId = "snap-test",
            SourceId = "test-source",
            Fragment = $"{valueText} (test passage)",
            Verified = true,
            Link = "https://example.org/test",
        });
        _citations[f.Id + "#0"] = (new Cat.Citation("ice-annual-report-fy2024-page", "test", $"{valueText} (test passage)", null, null), null!);
        return f;
    }

    // ---- mapping ----------------------------------------------------------------------------------------------

    private static MetricDefinition ToProto(Cat.MetricDefinition m, Tally.Catalog.Catalog catalog)
    {
        var p = new MetricDefinition
        {
            Id = m.Id,
            Version = m.Version,
            Name = m.Name,
            Description = m.Description,
            Counted = new Counted
            {
                Kind = m.Counted.What is Cat.CountedEvent.PersonOnDocket or Cat.CountedEvent.PersonInDetention or Cat.CountedEvent.PendingCase
                    ? CountedKind.Entity : CountedKind.Event,
                Thing = Snake(m.Counted.What.ToString()),
                Unit = m.Counted.Unit switch
                {
                    Cat.CountingUnit.People => CountingUnit.People,
                    Cat.CountingUnit.Cases => CountingUnit.Cases,
                    Cat.CountingUnit.Stays => CountingUnit.Stays,
                    Cat.CountingUnit.Pounds or Cat.CountingUnit.UsDollars => CountingUnit.Quantity,
                    _ => CountingUnit.Events,
                },
            },
            Scope = new Scope
            {
                Agency = Spelling(m.Population.Agency),
                Program = m.Population.Program ?? string.Empty,
                Note = m.Population.Other ?? string.Empty,
            },
            StatisticType = m.Statistic.Type switch
            {
                Cat.StatisticType.Flow => StatisticType.Flow,
                Cat.StatisticType.Stock => StatisticType.Stock,
                Cat.StatisticType.Cumulative => m.Period.Basis == Cat.PeriodBasis.AsOfDate ? StatisticType.Stock : StatisticType.Flow,
                Cat.StatisticType.Share => StatisticType.Share,
                _ => StatisticType.Average,
            },
            Additivity = m.Statistic.Additive ? Additivity.Additive : m.Statistic.Type == Cat.StatisticType.Stock ? Additivity.SemiAdditive : Additivity.NonAdditive,
            PeriodBasis = m.Period.Basis switch
            {
                Cat.PeriodBasis.UsFederalFiscalYear => PeriodBasis.FiscalYearUsFederal,
                Cat.PeriodBasis.CalendarYear => PeriodBasis.CalendarYear,
                Cat.PeriodBasis.Month => PeriodBasis.Month,
                Cat.PeriodBasis.AsOfDate => PeriodBasis.AsOfDate,
                _ => PeriodBasis.DateRange,
            },
            YearToDate = m.Period.YearToDate,
            Unit = m.Unit switch
            {
                Cat.MeasureUnit.Percent => "percent",
                Cat.MeasureUnit.Pounds => "pound",
                Cat.MeasureUnit.UsDollars => "usd",
                _ => "count",
            },
        };
        p.Scope.Criminality.AddRange(m.Population.Criminality switch
        {
            Cat.Criminality.Convicted or Cat.Criminality.ConvictedViolent => [Criminality.ConvictedCriminal],
            Cat.Criminality.PendingCharges => [Criminality.PendingCriminalCharges],
            Cat.Criminality.CriminalHistory => [Criminality.ConvictedCriminal, Criminality.PendingCriminalCharges],
            Cat.Criminality.NoConviction => [Criminality.PendingCriminalCharges, Criminality.OtherImmigrationViolator],
            Cat.Criminality.Noncriminal => [Criminality.OtherImmigrationViolator],
            _ => Array.Empty<Criminality>(),
        });
        p.Aliases.AddRange(m.Aliases);
        switch (m.Values)
        {
            case Cat.DerivedValues d:
                p.Derived = new DerivedSource
                {
                    Operation = d.Op switch
                    {
                        Cat.DerivedOp.Sum => DerivedSource.Types.Operation.Sum,
                        Cat.DerivedOp.Difference => DerivedSource.Types.Operation.Difference,
                        _ => DerivedSource.Types.Operation.Ratio,
                    },
                };
                p.Derived.Operands.AddRange(d.Of.Select(id => new Operand { MetricId = id }));
                break;
            case Cat.ComputedValues c:
                // As the definitions service maps it: "dataset/table", IN filters, until_ingested as a gap with its nearest metrics.
                var slash = c.Dataset.IndexOf('/', StringComparison.Ordinal);
                p.Computed = new ComputedSource
                {
                    Dataset = slash < 0 ? c.Dataset : c.Dataset[..slash],
                    Table = slash < 0 ? string.Empty : c.Dataset[(slash + 1)..],
                    DateColumn = c.DateColumn,
                    Calendar = p.PeriodBasis,
                    Measure = c.Measure == "count"
                        ? new DatasetMeasure { Aggregation = DatasetMeasure.Types.Aggregation.CountRows }
                        : new DatasetMeasure { Aggregation = DatasetMeasure.Types.Aggregation.Sum, Column = c.Measure["sum(".Length..^1] },
                    VintageRule = ComputedSource.Types.VintageRule.Latest,
                };
                foreach (var (column, values) in c.Filters)
                {
                    var filter = new DatasetFilter { Column = column, Operator = values.Length == 1 ? DatasetFilter.Types.Operator.Equals : DatasetFilter.Types.Operator.In };
                    filter.Values.AddRange(values);
                    p.Computed.Filters.Add(filter);
                }

                if (c.UntilIngested is { } pending)
                {
                    p.Computed.UntilIngested = new Gap { Question = pending.Question, WhyUnpublished = pending.WhyUnpublished, WhatWouldSettle = pending.WhatWouldSettleIt };
                    p.Computed.UntilIngested.NearestMetricIds.AddRange(catalog.RelationsOf(m.Id).Select(r => r.From == m.Id ? r.To : r.From));
                }

                break;
            case not null:
                p.Published = new PublishedSource();
                p.Published.SourceIds.AddRange(catalog.FiguresFor(m.Id).SelectMany(f => f.Citations).Select(c => c.OriginalSource ?? c.Source).Distinct());
                break;
        }

        if (m.Gap is { } gap)
        {
            p.Gap = new Gap { Question = gap.Question, WhyUnpublished = gap.WhyUnpublished, WhatWouldSettle = gap.WhatWouldSettleIt };
            p.Gap.NearestMetricIds.AddRange(catalog.RelationsOf(m.Id).Select(r => r.From == m.Id ? r.To : r.From));
        }

        return p;
    }

    private static Relation ToProto(Cat.MetricRelation r)
    {
        var p = new Relation
        {
            FromMetricId = r.From,
            ToMetricId = r.To,
            Reason = r.Reason,
            Type = r.Type switch
            {
                Cat.RelationType.SubsetOf => RelationType.SubsetOf,
                Cat.RelationType.ComponentOf => RelationType.ComponentOf,
                Cat.RelationType.Supersedes => RelationType.Supersedes,
                _ => RelationType.NotInterchangeableWith,
            },
        };
        if (r.Caveat is { } code && Enum.TryParse<Caveat.Types.Code>(Pascal(code), out var parsed))
        {
            p.Differences.Add(parsed);
        }

        return p;
    }

    private Figure ToProto(Cat.Figure f)
    {
        var percent = f.Unit == Cat.MeasureUnit.Percent;
        var p = new Figure
        {
            Id = f.Id,
            MetricId = f.Metric,
            DefinitionVersion = Catalog.GetMetric(f.Metric).Version,
            Period = Period(f.Period),
            Value = (double)f.Value / (percent ? 100.0 : 1.0),
            Qualifier = f.Qualifier switch
            {
                Cat.FigureQualifier.Exact => Qualifier.Exact,
                Cat.FigureQualifier.Approximately or Cat.FigureQualifier.OrderOfMagnitude => Qualifier.Approximately,
                Cat.FigureQualifier.Nearly => Qualifier.Nearly,
                Cat.FigureQualifier.AtLeast => Qualifier.AtLeast,
                Cat.FigureQualifier.AtMost => Qualifier.AtMost,
                Cat.FigureQualifier.MoreThan => Qualifier.MoreThan,
                _ => Qualifier.FewerThan,
            },
            Status = f.Status switch
            {
                Cat.FigureStatus.Final => FigureStatus.Final,
                Cat.FigureStatus.Provisional => FigureStatus.Provisional,
                Cat.FigureStatus.YearToDate => FigureStatus.YearToDate,
                Cat.FigureStatus.Revised => FigureStatus.Revised,
                _ => FigureStatus.Unspecified,
            },
            Unit = percent ? "percent" : f.Unit == Cat.MeasureUnit.UsDollars ? "usd" : f.Unit == Cat.MeasureUnit.Pounds ? "pound" : "count",
            ReviewState = ReviewState.Reviewed,
            ValueText = f.AsStated,
            SourceId = f.Citations[0].OriginalSource ?? f.Citations[0].Source,
            SnapshotId = "snap-" + f.Citations[0].Source,
        };
        p.Dimensions.AddRange(f.Dimensions.Select(kv => new Dimension { Key = kv.Key, Value = kv.Value }));
        for (var i = 0; i < f.Citations.Length; i++)
        {
            var c = f.Citations[i];
            var source = Catalog.FindSource(c.Source)!;
            var id = $"{f.Id}#{i}";
            _citations[id] = (c, f);
            p.Citations.Add(new Citation
            {
                Id = id,
                SnapshotId = "snap-" + c.Source,
                SourceId = c.Source,
                Locator = new Locator { Section = c.Locator },
                Fragment = c.Fragment,
                Verified = true,
                Link = source.Url is null ? string.Empty : TextFragmentLink.Build(source.Url.ToString(), c.Fragment),
            });
        }

        return p;
    }

    public static Period Period(Cat.CatalogPeriod p)
    {
        static string D(DateOnly? d) => d?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? string.Empty;
        var proto = new Period { StartDate = D(p.Start), EndDate = D(p.End), YearToDate = p.YearToDate, Label = p.Text };
        switch (p.Basis)
        {
            case Cat.PeriodBasis.UsFederalFiscalYear:
                proto.Kind = PeriodKind.FiscalYear;
                proto.FiscalYear = int.Parse(p.Text.AsSpan(2, 4), CultureInfo.InvariantCulture);
                break;
            case Cat.PeriodBasis.CalendarYear:
                proto.Kind = PeriodKind.CalendarYear;
                proto.CalendarYear = int.Parse(p.Text.AsSpan(2, 4), CultureInfo.InvariantCulture);
                break;
            case Cat.PeriodBasis.Month:
                proto.Kind = PeriodKind.Month;
                proto.CalendarYear = p.Start!.Value.Year;
                proto.Month = p.Start.Value.Month;
                break;
            case Cat.PeriodBasis.AsOfDate:
                proto.Kind = PeriodKind.AsOfDate;
                break;
            case Cat.PeriodBasis.DateRange or Cat.PeriodBasis.MultiYear:
                proto.Kind = PeriodKind.DateRange;
                break;
            default:
                proto.Kind = PeriodKind.Unspecified;
                proto.StartDate = proto.EndDate = string.Empty;
                break;
        }

        return proto;
    }

    private static string Spelling(Cat.Agency agency) =>
        typeof(Cat.Agency).GetField(agency.ToString())!.GetCustomAttributes(typeof(EnumMemberAttribute), false)
            .OfType<EnumMemberAttribute>().FirstOrDefault()?.Value ?? agency.ToString();

    private static string Snake(string pascal)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < pascal.Length; i++)
        {
            if (char.IsUpper(pascal[i]) && i > 0)
            {
                sb.Append('_');
            }

            sb.Append(char.ToLowerInvariant(pascal[i]));
        }

        return sb.ToString();
    }

    private static string Pascal(string upperSnake) =>
        string.Concat(upperSnake.Split('_', StringSplitOptions.RemoveEmptyEntries).Select(w => w[0] + w[1..].ToLowerInvariant()));
}
