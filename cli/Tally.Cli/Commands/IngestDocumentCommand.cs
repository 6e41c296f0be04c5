using System.CommandLine;
using Google.Protobuf;
using Tally.Cli.Infrastructure;
using Tally.Cli.Rendering;
using Tally.Grpc;
using Tally.Ingestion.V1;

namespace Tally.Cli.Commands;

/// <summary>
/// tally ingest document FILE — IngestionService.IngestDocument, then ListFigures of the snapshot to count the
/// extracted figures already linked to a metric.
/// </summary>
internal static class IngestDocumentCommand
{
    public static Command Create(CliContext context)
    {
        var file = new Argument<FileInfo>("file") { Description = "The document: HTML, PDF, Markdown or plain text" };
        var source = new SourceOptions(defaultKind: "official-report");
        var vintage = new Option<string?>("--vintage") { Description = "Publisher's version label (e.g. a data pull date)", HelpName = "LABEL" };
        var mediaType = new Option<string?>("--media-type") { Description = "IANA media type [default: inferred from the file name and content]", HelpName = "TYPE" };
        var noExtract = new Option<bool>("--no-extract") { Description = "Store the snapshot without extracting figure candidates" };
        var format = OutputFormat.Create(OutputFormat.Text, OutputFormat.Json);
        var command = new Command("document", "Store a document as a snapshot and extract its figures (same bytes, same snapshot)") { file };
        foreach (var option in source.All)
        {
            command.Options.Add(option);
        }
        command.Options.Add(vintage);
        command.Options.Add(mediaType);
        command.Options.Add(noExtract);
        command.Options.Add(format);
        CliAction.Set(command, context, async (parse, tally, ct) =>
        {
            var path = IngestCommand.ExistingFile(parse.GetValue(file), "document");
            var request = new IngestDocumentRequest
            {
                Content = ByteString.CopyFrom(await File.ReadAllBytesAsync(path.FullName, ct)),
                FileName = path.Name,
                MediaType = parse.GetValue(mediaType)?.Trim() ?? "",
                Vintage = parse.GetValue(vintage)?.Trim() ?? "",
                SkipFigureExtraction = parse.GetValue(noExtract),
            };
            if (source.ExistingId(parse) is { } sourceId)
            {
                request.SourceId = sourceId;
            }
            else
            {
                request.NewSource = source.NewSource(parse, path.Name);
            }
            var response = await tally.Ingestion.IngestDocumentAsync(request, tally.Call(ct));
            var linked = await CountLinkedAsync(tally, response.Snapshot?.Id, ct);
            await context.Env.Out.WriteAsync(parse.GetValue(format) == OutputFormat.Json
                ? OutputFormat.ToJson(response)
                : IngestRenderer.Document(response, linked, context.Env.Render));
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Figures of the snapshot that carry a metric id; null when the server cannot list them.</summary>
    private static async Task<int?> CountLinkedAsync(TallyConnection tally, string? snapshotId, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(snapshotId))
        {
            return null;
        }
        var request = new ListFiguresRequest { SnapshotId = snapshotId, PageSize = 1000 };
        var linked = 0;
        try
        {
            do
            {
                var page = await tally.Ingestion.ListFiguresAsync(request, tally.Call(ct));
                linked += page.Figures.Count(f => f.MetricId.Length > 0);
                request.PageToken = page.NextPageToken;
            }
            while (request.PageToken.Length > 0);
            return linked;
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.Unimplemented or StatusCode.NotFound)
        {
            return null;
        }
    }
}
