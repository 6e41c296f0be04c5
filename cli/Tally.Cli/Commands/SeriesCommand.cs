using System.CommandLine;
using Tally.Cli.Infrastructure;
using Tally.Cli.Rendering;
using Tally.Query.V1;

namespace Tally.Cli.Commands;

/// <summary>tally series METRIC [--from FY2019] [--to FY2024] — QueryService.GetSeries.</summary>
internal static class SeriesCommand
{
    public static Command Create(CliContext context)
    {
        var metric = new Argument<string>("metric") { Description = "Metric id (see `tally metrics list`)" };
        var from = new Option<string?>("--from") { Description = $"First period: {PeriodArgument.Help} [default: the earliest]", HelpName = "PERIOD" };
        var to = new Option<string?>("--to") { Description = $"Last period [default: the latest]", HelpName = "PERIOD" };
        var dimensions = DimensionOption.Create();
        var noCache = new Option<bool>("--no-cache") { Description = "Compute afresh instead of serving from the cache" };
        var format = OutputFormat.Create(OutputFormat.Text, OutputFormat.Json);
        var command = new Command("series", "A metric's values over a range of periods, one point per period")
        {
            metric, from, to, dimensions, noCache, format,
        };
        CliAction.Set(command, context, async (parse, tally, ct) =>
        {
            var request = new GetSeriesRequest { MetricId = parse.GetValue(metric)?.Trim() ?? "", SkipCache = parse.GetValue(noCache) };
            var (first, last) = (parse.GetValue(from), parse.GetValue(to));
            if (first is not null || last is not null)
            {
                request.Range = PeriodArgument.Range(first, last);
            }
            request.Dimensions.AddRange(DimensionOption.Parse(parse.GetValue(dimensions)));
            var series = await tally.Query.GetSeriesAsync(request, tally.Call(ct));
            await context.Env.Out.WriteAsync(parse.GetValue(format) == OutputFormat.Json
                ? OutputFormat.ToJson(series)
                : QueryRenderers.Series(series, context.Env.Render));
            return ExitCodes.Ok;
        });
        return command;
    }
}
