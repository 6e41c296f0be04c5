using System.CommandLine;
using Tally.Cli.Infrastructure;
using Tally.Cli.Rendering;
using Tally.Citations.V1;

namespace Tally.Cli.Commands;

/// <summary>tally sources — CitationService.ListSources as a table.</summary>
internal static class SourcesCommand
{
    public static Command Create(CliContext context)
    {
        var publisher = new Option<string?>("--publisher") { Description = "Only sources whose publisher contains TEXT", HelpName = "TEXT" };
        var format = OutputFormat.Create(OutputFormat.Text, OutputFormat.Json);
        var command = new Command("sources", "List registered sources (reports, datasets, articles) that figures are cited from")
        {
            publisher, format,
        };
        CliAction.Set(command, context, async (parse, tally, ct) =>
        {
            var all = new ListSourcesResponse();
            var request = new ListSourcesRequest { PageSize = 1000, Publisher = parse.GetValue(publisher)?.Trim() ?? "" };
            do
            {
                var page = await tally.Citations.ListSourcesAsync(request, tally.Call(ct));
                all.Sources.AddRange(page.Sources);
                request.PageToken = page.NextPageToken;
            }
            while (request.PageToken.Length > 0);
            await context.Env.Out.WriteAsync(parse.GetValue(format) == OutputFormat.Json
                ? OutputFormat.ToJson(all)
                : ListRenderers.Sources(all.Sources, context.Env.Render));
            return ExitCodes.Ok;
        });
        return command;
    }
}
