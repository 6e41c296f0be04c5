using System.CommandLine;
using Tally.Cli.Infrastructure;
using Tally.Cli.Rendering;
using Tally.Definitions.V1;

namespace Tally.Cli.Commands;

/// <summary>tally metrics list|show — the metric-definition registry.</summary>
internal static class MetricsCommand
{
    public static Command Create(CliContext context) =>
        new("metrics", "Metric definitions: what each number counts, exactly") { List(context), Show(context) };

    private static Command List(CliContext context)
    {
        var search = new Option<string?>("--search") { Description = "Only metrics whose id, name or aliases contain TEXT", HelpName = "TEXT" };
        var agency = new Option<string?>("--agency") { Description = "Only metrics of this agency (DHS, ICE, CBP, …)", HelpName = "AGENCY" };
        var format = OutputFormat.Create(OutputFormat.Text, OutputFormat.Json);
        var command = new Command("list", "List metric definitions (id, name, version, statistic, period basis, where values come from)")
        {
            search, agency, format,
        };
        CliAction.Set(command, context, async (parse, tally, ct) =>
        {
            var all = new ListMetricsResponse();
            var request = new ListMetricsRequest { PageSize = 1000, Text = parse.GetValue(search)?.Trim() ?? "", Agency = parse.GetValue(agency)?.Trim() ?? "" };
            do
            {
                var page = await tally.Definitions.ListMetricsAsync(request, tally.Call(ct));
                all.Metrics.AddRange(page.Metrics);
                all.TotalSize = page.TotalSize;
                all.CatalogVersion = page.CatalogVersion;
                request.PageToken = page.NextPageToken;
            }
            while (request.PageToken.Length > 0);
            await context.Env.Out.WriteAsync(parse.GetValue(format) == OutputFormat.Json
                ? OutputFormat.ToJson(all)
                : DefinitionRenderer.List(all, context.Env.Render));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Show(CliContext context)
    {
        var id = new Argument<string>("id") { Description = "Metric id" };
        var version = new Option<int>("--version") { Description = "Definition version [default: the current one]", HelpName = "N" };
        version.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 0)
            {
                result.AddError("--version must be 1 or more");
            }
        });
        var format = OutputFormat.Create(OutputFormat.Text, OutputFormat.Json);
        var command = new Command("show", "Show one definition with every property, its aliases, relations and gap notes")
        {
            id, version, format,
        };
        CliAction.Set(command, context, async (parse, tally, ct) =>
        {
            var metricId = parse.GetValue(id)?.Trim() ?? "";
            var metric = await tally.Definitions.GetMetricAsync(new GetMetricRequest { MetricId = metricId, Version = parse.GetValue(version) }, tally.Call(ct));
            var relations = new ListRelationsResponse();
            var request = new ListRelationsRequest { MetricId = metric.Metric?.Id ?? metricId, PageSize = 1000 };
            do
            {
                var page = await tally.Definitions.ListRelationsAsync(request, tally.Call(ct));
                relations.Relations.AddRange(page.Relations);
                relations.CatalogVersion = page.CatalogVersion;
                request.PageToken = page.NextPageToken;
            }
            while (request.PageToken.Length > 0);
            if (parse.GetValue(format) == OutputFormat.Json)
            {
                await context.Env.Out.WriteAsync(OutputFormat.ToJson(metric));
                await context.Env.Out.WriteAsync(OutputFormat.ToJson(relations));
            }
            else
            {
                await context.Env.Out.WriteAsync(DefinitionRenderer.Show(metric, relations.Relations, context.Env.Render));
            }
            return ExitCodes.Ok;
        });
        return command;
    }
}
