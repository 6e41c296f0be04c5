using System.CommandLine;
using Tally.Cli.Infrastructure;
using Tally.Cli.Rendering;
using Tally.Query.V1;

namespace Tally.Cli.Commands;

/// <summary>tally explain A B [--period FY2024] — QueryService.ExplainDifference.</summary>
internal static class ExplainCommand
{
    public static Command Create(CliContext context)
    {
        var a = new Argument<string>("a") { Description = "First metric id" };
        var b = new Argument<string>("b") { Description = "Second metric id" };
        var period = new Option<string?>("--period", "-p") { Description = $"Also show both values for this period: {PeriodArgument.Help}", HelpName = "PERIOD" };
        var format = OutputFormat.Create(OutputFormat.Text, OutputFormat.Json);
        var command = new Command("explain", "Explain how two metrics differ and whether they may be used for one another")
        {
            a, b, period, format,
        };
        CliAction.Set(command, context, async (parse, tally, ct) =>
        {
            var request = new ExplainDifferenceRequest { AMetricId = parse.GetValue(a)?.Trim() ?? "", BMetricId = parse.GetValue(b)?.Trim() ?? "" };
            if (parse.GetValue(period) is { } p)
            {
                request.Period = PeriodArgument.Parse(p);
            }
            var response = await tally.Query.ExplainDifferenceAsync(request, tally.Call(ct));
            await context.Env.Out.WriteAsync(parse.GetValue(format) == OutputFormat.Json
                ? OutputFormat.ToJson(response)
                : QueryRenderers.Difference(response, context.Env.Render));
            return ExitCodes.Ok;
        });
        return command;
    }
}
