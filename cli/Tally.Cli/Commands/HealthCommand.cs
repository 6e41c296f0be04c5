using System.CommandLine;
using Grpc.Health.V1;
using Tally.Cli.Infrastructure;
using Tally.Cli.Rendering;
using Tally.Grpc;

namespace Tally.Cli.Commands;

/// <summary>
/// tally health — grpc.health.v1.Health: the server overall ("") and each service (Health/List, or Check per
/// Tally service when the server has no List). Exit code 0 only when the server is SERVING.
/// </summary>
internal static class HealthCommand
{
    /// <summary>The services checked one by one when Health/List is not implemented.</summary>
    public static readonly string[] KnownServices =
    [
        Tally.Definitions.V1.MetricDefinitionService.ServiceName,
        Tally.Citations.V1.CitationService.ServiceName,
        Tally.Ingestion.V1.IngestionService.ServiceName,
        Tally.Query.V1.QueryService.ServiceName,
    ];

    public static Command Create(CliContext context)
    {
        var format = OutputFormat.Create(OutputFormat.Text, OutputFormat.Json);
        var command = new Command("health", "Check that the server and each of its services are serving") { format };
        CliAction.Set(command, context, async (parse, tally, ct) =>
        {
            var overall = await tally.Health.CheckAsync(new HealthCheckRequest { Service = "" }, tally.Call(ct));
            var statuses = new HealthListResponse();
            try
            {
                statuses = await tally.Health.ListAsync(new HealthListRequest(), tally.Call(ct));
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unimplemented)
            {
                foreach (var service in KnownServices)
                {
                    statuses.Statuses[service] = await CheckAsync(tally, service, ct);
                }
            }
            statuses.Statuses[""] = overall;
            await context.Env.Out.WriteAsync(parse.GetValue(format) == OutputFormat.Json
                ? OutputFormat.ToJson(statuses)
                : ListRenderers.Health(tally.Address, statuses, context.Env.Render));
            return overall.Status == HealthCheckResponse.Types.ServingStatus.Serving ? ExitCodes.Ok : ExitCodes.Failure;
        });
        return command;
    }

    private static async Task<HealthCheckResponse> CheckAsync(TallyConnection tally, string service, CancellationToken ct)
    {
        try
        {
            return await tally.Health.CheckAsync(new HealthCheckRequest { Service = service }, tally.Call(ct));
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return new HealthCheckResponse { Status = HealthCheckResponse.Types.ServingStatus.ServiceUnknown };
        }
    }
}
