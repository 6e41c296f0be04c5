using Tally.Common.V1;
using Tally.Definitions.V1;
using Tally.Query.V1;

namespace Tally.Query.Composition;

/// <summary>Values of two compared metrics for one period, side by side, with a sentence that states both. Pure.</summary>
public sealed class DifferenceFigures
{
    private readonly List<string> _sentences = [];

    private DifferenceFigures(IReadOnlyList<AnswerFigure> figures, IReadOnlyList<Citation> citations)
    {
        Figures = figures;
        Citations = citations;
    }

    public IReadOnlyList<AnswerFigure> Figures { get; }

    public IReadOnlyList<Citation> Citations { get; }

    /// <summary>The registry's summary followed by the values ("435,719 … as of July 21, 2024 [1]; 88,763 … [2].").</summary>
    public string Summary(string definitionSummary) =>
        string.Join(" ", new[] { definitionSummary.Trim() }.Concat(_sentences).Where(s => s.Length > 0));

    public static DifferenceFigures Compose(Tally.Definitions.V1.ExplainDifferenceResponse difference, Period period, IReadOnlyDictionary<string, IReadOnlyList<Figure>> figures)
    {
        ArgumentNullException.ThrowIfNull(difference);
        ArgumentNullException.ThrowIfNull(period);
        ArgumentNullException.ThrowIfNull(figures);
        var book = new CitationBook();
        var list = new List<AnswerFigure>();
        var parts = new List<string>();
        var missing = new List<string>();
        var reading = new QuestionReading { Text = string.Empty, Period = period };
        foreach (var metric in new[] { difference.A, difference.B })
        {
            var picked = FigurePicker.Pick(reading, metric, figures.TryGetValue(metric.Id, out var f) ? f : []);
            if (picked is null || picked.Match > PeriodMatch.Reading)
            {
                missing.Add(Vocabulary.NameInSentence(metric.Name));
                continue;
            }

            var figure = picked.Figure;
            var item = new AnswerFigure
            {
                Value = ValueText.BaseValue(figure),
                Period = figure.Period,
                MetricId = metric.Id,
                DefinitionVersion = figure.DefinitionVersion > 0 ? figure.DefinitionVersion : metric.Version,
                Qualifier = figure.Qualifier,
                Status = figure.Status,
                Vintage = figure.Vintage,
                Role = FigureRole.Main,
                MetricName = metric.Name,
                Unit = string.IsNullOrEmpty(figure.Unit) ? metric.Unit : figure.Unit,
                ValueText = ValueText.Format(figure),
                FigureId = figure.Id,
                ReviewState = figure.ReviewState,
            };
            item.Citations.AddRange(book.Cite(figure));
            list.Add(item);
            parts.Add($"{item.ValueText} {Vocabulary.NameInSentence(metric.Name)} {PeriodText.Phrase(figure.Period)}{CitationBook.Marker(item.Citations)}");
        }

        var result = new DifferenceFigures(list, book.Citations);
        if (parts.Count > 0)
        {
            result._sentences.Add(Vocabulary.Capitalise(string.Join("; ", parts)) + ".");
        }

        if (missing.Count > 0)
        {
            result._sentences.Add($"No published value for {string.Join(" or ", missing)} is held for {PeriodText.Label(period)}.");
        }

        return result;
    }
}
