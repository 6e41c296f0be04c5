using System.CommandLine;
using System.CommandLine.Invocation;
using Tally.Cli.Commands;
using Tally.Cli.Infrastructure;

namespace Tally.Cli;

/// <summary>
/// The `tally` CLI. Table of contents — each command lives in Commands/, each calls one service:
///   ask "QUESTION"          QueryService.Ask (+ RenderBrief for --format markdown)
///   figure METRIC --period  QueryService.GetFigure
///   series METRIC           QueryService.GetSeries
///   check "CLAIM"           QueryService.CheckClaim
///   explain A B             QueryService.ExplainDifference
///   metrics list | show ID  MetricDefinitionService.ListMetrics / GetMetric + ListRelations
///   sources                 CitationService.ListSources
///   ingest document FILE    IngestionService.IngestDocument (+ ListFigures)
///   ingest dataset FILE     IngestionService.IngestDataset (bidirectional stream, progress bar)
///   health                  grpc.health.v1.Health/Check (+ List)
///   keys create|list|revoke AccessService.CreateApiKey / ListApiKeys / RevokeApiKey (admin)
///   audit                   AccessService.ListAuditEntries
///   whoami                  AccessService.WhoAmI
/// Global options: --server (TALLY_SERVER, default http://127.0.0.1:7400), --timeout (default 30s), --token (TALLY_TOKEN), and for
/// https:// servers --ca FILE (TALLY_CA), --cert FILE --key FILE (TALLY_CERT, TALLY_KEY; mutual TLS).
/// Exit codes (Infrastructure/ExitCodes): 0 ok, 1 failure, 2 user error, 3 server unavailable.
/// </summary>
public static class Program
{
    public static Task<int> Main(string[] args) => RunAsync(args, CliEnvironment.FromProcess());

    internal static RootCommand BuildRoot(CliContext context) =>
        new("tally: answers and checks claims about public statistics, with definitions, caveats and numbered citations")
        {
            context.Globals.Server,
            context.Globals.Timeout,
            context.Globals.Token,
            context.Globals.Ca,
            context.Globals.Cert,
            context.Globals.Key,
            AskCommand.Create(context),
            FigureCommand.Create(context),
            SeriesCommand.Create(context),
            CheckCommand.Create(context),
            ExplainCommand.Create(context),
            MetricsCommand.Create(context),
            SourcesCommand.Create(context),
            IngestCommand.Create(context),
            HealthCommand.Create(context),
            KeysCommand.Create(context),
            AuditCommand.Create(context),
            WhoAmICommand.Create(context),
        };

    /// <summary>The entry point with its writers and environment made explicit (tests call this).</summary>
    internal static async Task<int> RunAsync(string[] args, CliEnvironment env, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(env);
        var root = BuildRoot(new CliContext(env, new GlobalOptions()));
        var parse = root.Parse(args.Length == 0 ? ["--help"] : args);
        if (parse.Errors.Count > 0 && parse.Action is ParseErrorAction)
        {
            foreach (var error in parse.Errors)
            {
                await env.Error.WriteLineAsync($"error: {error.Message}");
            }
            await env.Error.WriteLineAsync($"see: {CommandPath(parse.CommandResult)} --help");
            return ExitCodes.UserError;
        }
        var invocation = new InvocationConfiguration { Output = env.Out, Error = env.Error };
        return await parse.InvokeAsync(invocation, cancellationToken);
    }

    private static string CommandPath(System.CommandLine.Parsing.CommandResult? result)
    {
        var names = new List<string>();
        for (var r = result; r is not null; r = r.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Add(r.Parent is null ? "tally" : r.Command.Name);
        }
        names.Reverse();
        return string.Join(' ', names);
    }
}
