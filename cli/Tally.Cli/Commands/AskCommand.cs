using System.CommandLine;
using Tally.Cli.Infrastructure;
using Tally.Cli.Rendering;
using Tally.Query.V1;

namespace Tally.Cli.Commands;

/// <summary>tally ask "QUESTION" — QueryService.Ask (markdown: then RenderBrief of that answer).</summary>
internal static class AskCommand
{
    public static Command Create(CliContext context)
    {
        var question = new Argument<string>("question") { Description = "The question in plain English, in quotes" };
        var format = OutputFormat.Create(OutputFormat.Text, OutputFormat.Json, OutputFormat.Markdown);
        var metric = new Option<string?>("--metric")
        {
            Description = "Metric id to answer with, after a NEEDS_CLARIFICATION answer offered several",
            HelpName = "ID",
        };
        var noCache = new Option<bool>("--no-cache") { Description = "Compute the answer afresh instead of serving it from the cache" };
        var why = new Option<bool>("--why") { Description = "Also show how the question was read and which metrics were considered" };
        var command = new Command("ask", "Answer a question with figures, caveats, related metrics and numbered references")
        {
            question, format, metric, noCache, why,
        };
        CliAction.Set(command, context, async (parse, tally, ct) =>
        {
            var request = new AskRequest
            {
                Question = parse.GetValue(question) ?? "",
                ChosenMetricId = parse.GetValue(metric)?.Trim() ?? "",
                SkipCache = parse.GetValue(noCache),
            };
            var answer = await tally.Query.AskAsync(request, tally.Call(ct));
            await AnswerOutput.WriteAsync(context.Env, tally, answer, parse.GetValue(format)!, parse.GetValue(why), ct);
            return ExitCodes.Ok;
        });
        return command;
    }
}

/// <summary>Writes an Answer in the chosen format; shared by ask and figure.</summary>
internal static class AnswerOutput
{
    public static async Task WriteAsync(CliEnvironment env, TallyConnection tally, Answer answer, string format, bool showResolution,
        CancellationToken ct)
    {
        switch (format)
        {
            case OutputFormat.Json:
                await env.Out.WriteAsync(OutputFormat.ToJson(answer));
                break;
            case OutputFormat.Markdown:
                var brief = await tally.Query.RenderBriefAsync(new RenderBriefRequest { Answer = answer }, tally.Call(ct));
                await env.Out.WriteAsync(brief.Markdown.EndsWith('\n') ? brief.Markdown : brief.Markdown + "\n");
                break;
            default:
                await env.Out.WriteAsync(AnswerRenderer.Render(answer, env.Render, showResolution));
                break;
        }
    }
}
