using Tally.Common.V1;
using Tally.Definitions.V1;
using Tally.Query.Composition;
using Tally.Query.V1;

namespace Tally.Query.Tests.Support;

/// <summary>Composes answers over the bundled catalog, resolving with <see cref="TestResolver"/> or given candidates.</summary>
internal static class Compose
{
    public static Answer Ask(string question, IReadOnlyDictionary<string, IReadOnlyList<Figure>>? figures = null, string? chosen = null)
    {
        var (parsed, candidates) = TestResolver.Resolve(question);
        return Finish(CatalogProto.Instance.Inputs(question, parsed, candidates, figures, chosen));
    }

    public static Answer With(string question, params Candidate[] candidates)
    {
        var (parsed, _) = TestResolver.Resolve(question);
        return Finish(CatalogProto.Instance.Inputs(question, parsed, candidates));
    }

    public static Answer Finish(AnswerInputs inputs)
    {
        var composed = AnswerComposer.Compose(inputs);
        return AnswerComposer.AttachReferences(composed.Answer, composed.Citations, CatalogProto.Instance.References(composed.Citations));
    }

    public static AnswerFigure MainFigure(this Answer answer) => answer.Figures.Single(f => f.Role == FigureRole.Main);

    public static bool HasCaveat(this Answer answer, Caveat.Types.Code code) => answer.Caveats.Any(c => c.Code == code);

    public static string Describe(this Answer answer) =>
        $"{answer.Status}: {answer.Headline}\n  figures: {string.Join("; ", answer.Figures.Select(f => $"{f.Role} {f.MetricId} {f.ValueText}"))}" +
        $"\n  related: {string.Join("; ", answer.Related.Select(r => $"{r.MetricId} {r.ValueText} [{string.Join(",", r.Differences)}]"))}" +
        $"\n  caveats: {string.Join("; ", answer.Caveats.Select(c => c.Code))}" +
        $"\n  candidates: {string.Join(", ", answer.Resolution?.Candidates.Select(c => c.MetricId) ?? [])}";
}
