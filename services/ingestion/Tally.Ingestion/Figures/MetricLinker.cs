using Tally.Analysis;
using Tally.Definitions.V1;
using AnalysisPeriodBasis = Tally.Analysis.PeriodBasis;
using AnalysisPeriodKind = Tally.Analysis.PeriodKind;
using MetricPeriodBasis = Tally.Definitions.V1.PeriodBasis;

namespace Tally.Ingestion.Figures;

/// <summary>A confident link from a figure candidate to a metric, with the period mention that fits the metric.</summary>
internal sealed record MetricLink(string MetricId, int Version, PeriodMention Period, string Reason);

/// <summary>
/// Links an extracted figure candidate to a metric only when it is confident:
/// <list type="bullet">
/// <item>an alias or the name of the metric occurs, word for word (after lower-casing and dropping plural "s" and
/// little words), in the candidate's unit phrase ("271,484 <i>ERO removals</i>"), or — for phrases of two words or
/// more — in its sentence, ending on the unit phrase's last word;</item>
/// <item>the kind of number fits the metric's unit (a percentage only for percent metrics, dollars only for dollar metrics);</item>
/// <item>a period mention in the sentence fits the metric's period basis (a fiscal year for a fiscal-year metric,
/// "as of" a date for a stock on a date, …);</item>
/// <item>exactly one metric scores best: a tie between two metrics is not a link.</item>
/// </list>
/// Everything else stays unlinked (and unreviewed). Pure: no I/O.
/// </summary>
internal static class MetricLinker
{
    private static readonly HashSet<string> LittleWords = new(StringComparer.Ordinal)
    {
        "a", "an", "the", "of", "in", "on", "to", "for", "by", "and", "or", "its", "their", "with", "from", "at", "as", "s",
    };

    public static MetricLink? Link(FigureCandidate candidate, IReadOnlyList<MetricDefinition> metrics)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(metrics);
        var unit = Words(candidate.UnitPhrase);
        if (unit.Count == 0)
        {
            return null;
        }

        var sentence = Words(candidate.Sentence);
        var scored = new List<(MetricDefinition Metric, double Score, string Phrase, bool InUnit, PeriodMention Period)>();
        foreach (var metric in metrics)
        {
            if (metric.ValueSourceCase == MetricDefinition.ValueSourceOneofCase.Gap || !UnitFits(candidate.Kind, metric.Unit))
            {
                continue;
            }

            var period = candidate.Periods.FirstOrDefault(p => PeriodFits(metric.PeriodBasis, p) && Periods.FromMention(p) is not null);
            if (period is null)
            {
                continue;
            }

            (double Score, string Phrase, bool InUnit) best = (0, "", false);
            foreach (var phrase in metric.Aliases.Append(metric.Name))
            {
                var words = Words(phrase);
                if (words.Count == 0)
                {
                    continue;
                }

                var score = ContainsRun(unit, words) ? 2 + (0.1 * words.Count)
                    : words.Count >= 2 && words[^1] == unit[^1] && ContainsRun(sentence, words) ? 1 + (0.1 * words.Count)
                    : 0;
                if (score > best.Score)
                {
                    best = (score, phrase, score >= 2);
                }
            }

            if (best.Score > 0)
            {
                scored.Add((metric, best.Score, best.Phrase, best.InUnit, period));
            }
        }

        if (scored.Count == 0)
        {
            return null;
        }

        scored.Sort((a, b) => b.Score.CompareTo(a.Score));
        if (scored.Count > 1 && scored[1].Score >= scored[0].Score - 1e-9)
        {
            return null; // two metrics fit equally well: not confident
        }

        var top = scored[0];
        var where = top.InUnit ? $"unit phrase \"{candidate.UnitPhrase}\"" : "sentence";
        return new MetricLink(top.Metric.Id, top.Metric.Version, top.Period,
            $"\"{top.Phrase}\" matches the {where}; period \"{top.Period.Text}\" fits {top.Metric.PeriodBasis}");
    }

    /// <summary>Lower-cased words of letters and digits, plural "s" dropped, little words removed.</summary>
    internal static List<string> Words(string text)
    {
        var words = new List<string>();
        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            if (i < text.Length && char.IsLetterOrDigit(text[i]))
            {
                if (start < 0)
                {
                    start = i;
                }

                continue;
            }

            if (start >= 0)
            {
                var word = text[start..i].ToLowerInvariant();
                if (word.Length > 3 && word[^1] == 's' && word[^2] != 's')
                {
                    word = word[..^1];
                }

                if (!LittleWords.Contains(word))
                {
                    words.Add(word);
                }

                start = -1;
            }
        }

        return words;
    }

    internal static bool UnitFits(FigureKind kind, string unit)
    {
        var u = unit.Trim().ToLowerInvariant();
        var isPercent = u is "percent" or "ratio";
        var isMoney = u is "usd" or "us_dollars";
        return kind switch
        {
            FigureKind.Percent => isPercent,
            FigureKind.Money => isMoney,
            _ => !isPercent && !isMoney,
        };
    }

    internal static bool PeriodFits(MetricPeriodBasis basis, PeriodMention mention) => basis switch
    {
        MetricPeriodBasis.FiscalYearUsFederal =>
            mention.Kind == AnalysisPeriodKind.FiscalYear || (mention.Kind == AnalysisPeriodKind.YearToDate && mention.Basis == AnalysisPeriodBasis.Fiscal),
        MetricPeriodBasis.CalendarYear =>
            mention.Kind == AnalysisPeriodKind.CalendarYear || (mention.Kind == AnalysisPeriodKind.YearToDate && mention.Basis == AnalysisPeriodBasis.Calendar),
        MetricPeriodBasis.FiscalQuarterUsFederal => mention.Kind == AnalysisPeriodKind.Quarter && mention.Basis == AnalysisPeriodBasis.Fiscal,
        MetricPeriodBasis.Month => mention.Kind == AnalysisPeriodKind.Month,
        MetricPeriodBasis.AsOfDate => mention.Kind is AnalysisPeriodKind.AsOfDate or AnalysisPeriodKind.Day,
        MetricPeriodBasis.DateRange => mention.Kind is AnalysisPeriodKind.Range or AnalysisPeriodKind.Since,
        _ => Periods.FromMention(mention) is not null,
    };

    private static bool ContainsRun(List<string> haystack, List<string> needle)
    {
        for (var i = 0; i + needle.Count <= haystack.Count; i++)
        {
            var all = true;
            for (var j = 0; j < needle.Count && all; j++)
            {
                all = haystack[i + j] == needle[j];
            }

            if (all)
            {
                return true;
            }
        }

        return false;
    }
}
