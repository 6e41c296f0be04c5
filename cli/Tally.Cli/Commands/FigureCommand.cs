using System.CommandLine;
using Tally.Cli.Infrastructure;
using Tally.Query.V1;

namespace Tally.Cli.Commands;

/// <summary>tally figure METRIC --period FY2024 — QueryService.GetFigure.</summary>
internal static class FigureCommand
{
    public static Command Create(CliContext context)
    {
        var metric = new Argument<string>("metric") { Description = "Metric id (see `tally metrics list`)" };
        var period = new Option<string>("--period", "-p") { Description = $"Period: {PeriodArgument.Help}", HelpName = "PERIOD", Required = true };
        var dimensions = DimensionOption.Create();
        var vintage = new Option<string?>("--vintage") { Description = "Data vintage (e.g. a pull date); default: the preferred one", HelpName = "VINTAGE" };
        var noCache = new Option<bool>("--no-cache") { Description = "Compute the answer afresh instead of serving it from the cache" };
        var format = OutputFormat.Create(OutputFormat.Text, OutputFormat.Json, OutputFormat.Markdown);
        var command = new Command("figure", "Look up one metric's figure for a period, without question parsing")
        {
            metric, period, dimensions, vintage, noCache, format,
        };
        CliAction.Set(command, context, async (parse, tally, ct) =>
        {
            var request = new GetFigureRequest
            {
                MetricId = parse.GetValue(metric)?.Trim() ?? "",
                Period = PeriodArgument.Parse(parse.GetValue(period)!),
                Vintage = parse.GetValue(vintage)?.Trim() ?? "",
                SkipCache = parse.GetValue(noCache),
            };
            request.Dimensions.AddRange(DimensionOption.Parse(parse.GetValue(dimensions)));
            var answer = await tally.Query.GetFigureAsync(request, tally.Call(ct));
            await AnswerOutput.WriteAsync(context.Env, tally, answer, parse.GetValue(format)!, showResolution: false, ct);
            return ExitCodes.Ok;
        });
        return command;
    }
}
