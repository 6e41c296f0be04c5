using Tally.Analysis;
using Tally.Definitions.V1;

namespace Tally.Query.Composition;

/// <summary>
/// How specifically a question names a metric: the number of content words of the metric's longest alias (or
/// name) that appears whole in the question, compared by word stems ("released" matches "release").
/// </summary>
public static class AliasCoverage
{
    public static int Of(MetricDefinition metric, string question)
    {
        ArgumentNullException.ThrowIfNull(metric);
        ArgumentNullException.ThrowIfNull(question);
        var asked = Stems(question);
        var best = 0;
        foreach (var phrase in metric.Aliases.Append(metric.Name))
        {
            var stems = Stems(phrase);
            if (stems.Count > best && stems.IsSubsetOf(asked))
            {
                best = stems.Count;
            }
        }

        return best;
    }

    private static HashSet<string> Stems(string text) =>
        Tokenizer.Tokenize(text).Where(t => !t.IsStopWord && !t.IsNumber).Select(t => t.Stem).ToHashSet(StringComparer.Ordinal);
}
