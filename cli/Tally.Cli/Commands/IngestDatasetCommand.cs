using System.CommandLine;
using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Text;
using Google.Protobuf;
using Spectre.Console;
using Tally.Cli.Infrastructure;
using Tally.Cli.Rendering;
using Tally.Grpc;
using Tally.Ingestion.V1;

namespace Tally.Cli.Commands;

/// <summary>
/// tally ingest dataset FILE — IngestionService.IngestDataset: streams a header then 64 KiB chunks while the
/// server streams progress (bytes, rows read / stored / quarantined), shown as a progress bar on stderr; the
/// final summary goes to stdout. The deadline defaults to one hour (--timeout overrides it).
/// </summary>
internal static class IngestDatasetCommand
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromHours(1);
    private const int ChunkSize = 64 * 1024;

    public static Command Create(CliContext context)
    {
        var file = new Argument<FileInfo>("file") { Description = "The data file: CSV, TSV or XLSX" };
        var spec = new Option<FileInfo?>("--spec") { Description = "Dataset spec (YAML) [default: the spec registered for the dataset name]", HelpName = "SPEC.yaml" };
        var name = new Option<string?>("--name") { Description = "Dataset name, a lowercase slug; uploads with one name are vintages of one dataset [default: the spec's; else the catalog dataset whose file patterns match the file name; else from the file name]" };
        var vintage = new Option<string?>("--vintage") { Description = "Vintage of this file (e.g. pull date 2024-10-01) [default: from the spec or the data]", HelpName = "LABEL" };
        var source = new SourceOptions(defaultKind: "official-dataset");
        var format = OutputFormat.Create(OutputFormat.Text, OutputFormat.Json);
        var command = new Command("dataset", "Upload a dataset file with a progress bar; bad rows are quarantined, never dropped")
        {
            file, spec, name, vintage,
        };
        foreach (var option in source.All)
        {
            command.Options.Add(option);
        }
        command.Options.Add(format);
        CliAction.Set(command, context, async (parse, tally, ct) =>
        {
            var path = IngestCommand.ExistingFile(parse.GetValue(file), "dataset file");
            var header = new DatasetHeader
            {
                Name = parse.GetValue(name)?.Trim() ?? "", // empty: the server picks (spec, catalog file pattern, file name)
                FileName = path.Name,
                Format = FormatOf(path.Name),
                Vintage = parse.GetValue(vintage)?.Trim() ?? "",
                ExpectedBytes = path.Length,
            };
            if (parse.GetValue(spec) is { } specFile)
            {
                header.SpecYaml = await File.ReadAllTextAsync(IngestCommand.ExistingFile(specFile, "spec").FullName, Encoding.UTF8, ct);
            }
            if (source.ExistingId(parse) is { } sourceId)
            {
                header.SourceId = sourceId;
            }
            else if (source.DescribesNewSource(parse))
            {
                header.NewSource = source.NewSource(parse, path.Name);
            }
            var summary = await UploadAsync(context.Env, tally, header, path, ct);
            await context.Env.Out.WriteAsync(parse.GetValue(format) == OutputFormat.Json
                ? OutputFormat.ToJson(summary)
                : IngestRenderer.Dataset(summary, context.Env.Render));
            return ExitCodes.Ok;
        }, DefaultTimeout);
        return command;
    }

    private static async Task<DatasetLoadSummary> UploadAsync(CliEnvironment env, TallyConnection tally, DatasetHeader header, FileInfo path,
        CancellationToken ct)
    {
        using var call = tally.Ingestion.IngestDataset(tally.Call(ct));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        DatasetLoadSummary? summary = null;
        Exception? sendError = null;
        Exception? readError = null;

        async Task RunAsync(ProgressTask task)
        {
            var send = Task.Run(async () =>
            {
                try
                {
                    await SendAsync(call.RequestStream, header, path, sent => task.Value = Math.Max(task.Value, sent), stop.Token);
                }
#pragma warning disable CA1031 // any failure to send ends the upload; reported below, after the progress display
                catch (Exception e)
#pragma warning restore CA1031
                {
                    sendError = e;
                    await stop.CancelAsync();
                }
            }, CancellationToken.None);
            try
            {
                await foreach (var update in call.ResponseStream.ReadAllAsync(stop.Token))
                {
                    task.Value = Math.Max(task.Value, update.BytesReceived);
                    task.Description = Phase(update);
                    UploadCountsColumn.Update(task, update);
                    if (update.Phase == IngestDatasetProgress.Types.Phase.Completed)
                    {
                        summary = update.Summary;
                        task.Value = task.MaxValue;
                    }
                }
            }
#pragma warning disable CA1031 // reported below, after the progress display
            catch (Exception e)
#pragma warning restore CA1031
            {
                readError = e;
            }
            await stop.CancelAsync();
            await send;
            task.StopTask();
        }

        // A live bar only on a terminal; redirected stderr gets nothing but errors (the summary goes to stdout).
        var maxValue = Math.Max(1, path.Length);
        if (env.ErrorIsTerminal)
        {
            await env.CreateProgressConsole().Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn { Width = 24 }, new PercentageColumn(),
                    new UploadCountsColumn())
                .StartAsync(progress => RunAsync(progress.AddTask(Phase(null), maxValue: maxValue)));
        }
        else
        {
            await RunAsync(new ProgressTask(0, Phase(null), maxValue));
        }

        // The server's own status says most: UNIMPLEMENTED, INVALID_ARGUMENT naming the row, DEADLINE_EXCEEDED, ….
        if (readError is RpcException { StatusCode: not StatusCode.Cancelled } rpc)
        {
            ExceptionDispatchInfo.Throw(rpc);
        }
        if (summary is null && sendError is not null)
        {
            ExceptionDispatchInfo.Throw(sendError);
        }
        if (readError is not null)
        {
            ExceptionDispatchInfo.Throw(readError);
        }
        return summary ?? throw new RpcException(new Tally.Grpc.Status(StatusCode.Internal,
            "the server ended the upload without a summary (no COMPLETED progress message)"));
    }

    private static async Task SendAsync(IClientStreamWriter<IngestDatasetRequest> requests, DatasetHeader header, FileInfo path,
        Action<long> sent, CancellationToken ct)
    {
        await requests.WriteAsync(new IngestDatasetRequest { Header = header }, ct);
        await using var stream = new FileStream(path.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, ChunkSize, useAsync: true);
        var buffer = new byte[ChunkSize];
        long total = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer, ct)) > 0)
        {
            await requests.WriteAsync(new IngestDatasetRequest { Chunk = ByteString.CopyFrom(buffer, 0, read) }, ct);
            total += read;
            sent(total);
        }
        await requests.CompleteAsync();
    }

    private static string Phase(IngestDatasetProgress? update) =>
        update is null || update.Phase == IngestDatasetProgress.Types.Phase.Unspecified ? "sending" : Formats.Words(update.Phase);

    internal static string Rate(double bytesPerSecond) => bytesPerSecond switch
    {
        >= 1024 * 1024 => (bytesPerSecond / (1024 * 1024)).ToString("0.0", CultureInfo.InvariantCulture) + " MiB/s",
        >= 1024 => (bytesPerSecond / 1024).ToString("0.0", CultureInfo.InvariantCulture) + " KiB/s",
        _ => bytesPerSecond.ToString("0", CultureInfo.InvariantCulture) + " B/s",
    };

    internal static DatasetFormat FormatOf(string fileName) => Path.GetExtension(fileName).ToLowerInvariant() switch
    {
        ".csv" => DatasetFormat.Csv,
        ".tsv" or ".tab" => DatasetFormat.Tsv,
        ".xlsx" => DatasetFormat.Xlsx,
        _ => DatasetFormat.Unspecified,
    };

    /// <summary>"12,034 rows · 34 quarantined · 5.2 MiB/s", from the latest progress message (kept in the task's state).</summary>
    private sealed class UploadCountsColumn : ProgressColumn
    {
        protected override bool NoWrap => true;

        public static void Update(ProgressTask task, IngestDatasetProgress update)
        {
            task.State.Update<long>("read", _ => update.RowsRead);
            task.State.Update<long>("quarantined", _ => update.RowsQuarantined);
            if (update.BytesPerSecond > 0)
            {
                task.State.Update<double>("rate", _ => update.BytesPerSecond);
            }
        }

        public override Spectre.Console.Rendering.IRenderable Render(Spectre.Console.Rendering.RenderOptions options, ProgressTask task, TimeSpan deltaTime)
        {
            var rate = task.State.Get<double>("rate");
            var text = $"{Formats.Number(task.State.Get<long>("read"))} rows · {Formats.Number(task.State.Get<long>("quarantined"))} quarantined"
                + (rate > 0 ? $" · {Rate(rate)}" : "");
            return new Text(text);
        }
    }
}
