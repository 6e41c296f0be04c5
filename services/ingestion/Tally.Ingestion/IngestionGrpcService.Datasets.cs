using System.Diagnostics;
using System.Globalization;
using System.IO.Pipelines;
using System.Threading.Channels;
using Google.Protobuf.WellKnownTypes;
using Tally.Common.V1;
using Tally.Contracts.Events;
using Tally.Datasets;
using Tally.Datasets.Query;
using Tally.Datasets.Specs;
using Tally.Grpc;
using Tally.Hosting;
using Tally.Hosting.Limits;
using Tally.Ingestion.Datasets;
using Tally.Ingestion.V1;
using V1QuarantinedRow = Tally.Ingestion.V1.QuarantinedRow;

namespace Tally.Ingestion;

/// <summary>The dataset rpcs: thin wrappers over <see cref="DatasetEngine"/> (docs/datasets.md, "The API the ingestion service wraps").</summary>
internal sealed partial class IngestionGrpcService
{
    /// <summary>Least time between two progress messages (the final COMPLETED message is always sent).</summary>
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(100);

    public override async Task IngestDataset(
        IAsyncStreamReader<IngestDatasetRequest> requestStream, IServerStreamWriter<IngestDatasetProgress> responseStream, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        if (!await requestStream.MoveNext(ct))
        {
            throw Invalid("The upload stream was empty: send a DatasetHeader first, then the file's chunks, then half-close.");
        }

        if (requestStream.Current.PayloadCase != IngestDatasetRequest.PayloadOneofCase.Header)
        {
            throw Invalid("The first message of a dataset upload must be the DatasetHeader; chunks come after it.");
        }

        var header = requestStream.Current.Header;
        header.FileName = UploadFileName.Sanitize(header.FileName);
        var upload = ToUpload(header);

        // One of Tally:Limits:Concurrency:DatasetLoad's permits for the whole load; a full queue is RESOURCE_EXHAUSTED.
        using var permit = await work.EnterAsync(ExpensiveWorkKind.DatasetLoad, ct);
        var source = await datasetSnapshots.ResolveSourceAsync(header, ct);
        upload = upload with { SourceId = source?.Id, SnapshotIdIsContentHash = true };
        using var copy = datasetSnapshots.NewCopy();
        var pipe = new Pipe();
        var reports = Channel.CreateUnbounded<LoadProgress>(new UnboundedChannelOptions { SingleReader = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var pump = PumpProgressAsync(reports.Reader, responseStream, ct);
        var reporter = new ChannelProgress(reports.Writer);
        var load = LoadAsync(upload, pipe, reporter, stop.Token);
        var feed = FeedAsync(requestStream, pipe.Writer, copy, stop.Token);

        LoadSummary summary;
        try
        {
            if (await Task.WhenAny(feed, load) == load && !load.IsCompletedSuccessfully)
            {
                await stop.CancelAsync(); // the load failed before the client finished sending: stop reading the upload
                await Quietly(feed);
            }
            else
            {
                try
                {
                    await feed;
                }
                catch
                {
                    await stop.CancelAsync();
                    await Quietly(load);
                    throw;
                }
            }

            summary = await load;
        }
        catch (DatasetException e)
        {
            throw ToRpc(e);
        }
        finally
        {
            reports.Writer.TryComplete();
            await Quietly(pump);
        }

        var format = FormatOf(upload);
        var (newSnapshot, snapshotNote) = await datasetSnapshots.StoreAsync(summary, header, format, source, copy, ct);
        if (newSnapshot && source is not null)
        {
            await datasetSnapshots.PublishIngestedAsync(documentEvents, summary, header, format, source, ct);
        }

        await datasetEvents.EnqueueAsync(new DatasetLoaded
        {
            EventId = Guid.NewGuid(),
            OccurredAt = time.GetUtcNow(),
            DatasetId = summary.DatasetId,
            DatasetName = summary.DatasetName,
            SnapshotId = summary.SnapshotId ?? summary.ContentSha256,
            Vintages = summary.Vintages,
            RowsStored = summary.RowsStored,
            RowsQuarantined = summary.RowsQuarantined,
            ActorSubject = callers.Current.Subject,
            ActorName = callers.Current.Name,
        }, ct);

        var final = ToProto(summary);
        final.SnapshotId = summary.ContentSha256;
        if (source is null)
        {
            final.Findings.Add(new ValidationFinding
            {
                Severity = ValidationFinding.Types.Severity.Info,
                Code = "NO_SOURCE",
                Message = "The upload names no source and its spec gives none, so the snapshot is stored without a publisher and answers computed from it cite no source. " +
                          "Send source_id or new_source (./tally ingest dataset --source ID or --title/--publisher/--url).",
            });
        }

        if (snapshotNote is not null)
        {
            final.Findings.Add(new ValidationFinding { Severity = ValidationFinding.Types.Severity.Info, Code = "SNAPSHOT_BYTES_NOT_KEPT", Message = snapshotNote });
        }

        await responseStream.WriteAsync(new IngestDatasetProgress
        {
            Phase = IngestDatasetProgress.Types.Phase.Completed,
            BytesReceived = reporter.Last?.BytesReceived ?? 0,
            TotalBytes = upload.ExpectedBytes,
            BytesPerSecond = reporter.Last?.BytesPerSecond ?? 0,
            RowsRead = summary.RowsRead,
            RowsStored = summary.RowsStored,
            RowsQuarantined = summary.RowsQuarantined,
            Message = "completed",
            Summary = final,
        }, ct);
    }

    public override async Task<ListDatasetsResponse> ListDatasets(ListDatasetsRequest request, ServerCallContext context)
    {
        var size = PageTokens.Size(request.PageSize);
        var offset = PageTokens.Offset(request.PageToken);
        var name = request.Name.Trim();
        var all = await Guard(() => datasets.ListDatasetsAsync(name.Length == 0 ? null : name, context.CancellationToken));
        var page = all.Skip((int)Math.Min(offset, int.MaxValue)).Take(size + 1).ToList();
        var response = new ListDatasetsResponse();
        response.Datasets.AddRange(page.Take(size).Select(ToProto));
        response.NextPageToken = PageTokens.Next(offset, response.Datasets.Count, page.Count > size);
        return response;
    }

    public override async Task<QueryDatasetResponse> QueryDataset(QueryDatasetRequest request, ServerCallContext context)
    {
        var query = ToQuery(request);
        var result = await Guard(() => datasets.QueryAsync(query, context.CancellationToken));
        var response = new QueryDatasetResponse
        {
            DatasetId = result.DatasetId,
            Vintage = result.Vintage.Label,
            SnapshotId = result.Vintage.SnapshotId ?? "",
            RowsMatched = result.RowsMatched,
            Truncated = result.Truncated,
        };
        var kind = request.Bucket;
        response.Rows.AddRange(result.Rows.Select(r =>
        {
            var row = new QueryDatasetRow { Value = r.Value ?? 0, RowCount = r.RowCount };
            row.Group.AddRange(r.Group.Select(g => new Dimension { Key = g.Key, Value = g.Value ?? "" }));
            if (r.Period is { } label)
            {
                row.Period = new Period
                {
                    Kind = kind,
                    Label = label,
                    StartDate = r.PeriodStart?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "",
                    EndDate = r.PeriodEnd?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "",
                };
            }

            return row;
        }));
        return response;
    }

    public override async Task<ListQuarantineResponse> ListQuarantine(ListQuarantineRequest request, ServerCallContext context)
    {
        var dataset = request.Dataset.Trim();
        var snapshot = request.SnapshotId.Trim().ToLowerInvariant();
        var page = await Guard(() => datasets.ListQuarantineAsync(dataset.Length == 0 ? null : dataset, snapshot.Length == 0 ? null : snapshot,
            request.PageSize, request.PageToken.Length == 0 ? null : request.PageToken, context.CancellationToken));
        var response = new ListQuarantineResponse { NextPageToken = page.NextPageToken ?? "", TotalSize = page.TotalSize };
        response.Rows.AddRange(page.Rows.Select(r => new V1QuarantinedRow
        {
            DatasetId = r.DatasetId,
            SnapshotId = r.SnapshotId ?? "",
            FileName = r.FileName,
            Sheet = r.Sheet ?? "",
            RowNumber = r.RowNumber,
            Column = r.Column ?? "",
            Reason = r.Reason,
            Raw = r.Raw,
            Code = r.Code,
        }));
        return response;
    }

    /// <summary>Runs the load on the pipe's reader and completes the reader when done, so the feeding side stops.</summary>
    private async Task<LoadSummary> LoadAsync(DatasetUpload upload, Pipe pipe, IProgress<LoadProgress> progress, CancellationToken ct)
    {
        await Task.Yield();
        try
        {
            return await datasets.LoadAsync(upload, pipe.Reader, progress, ct);
        }
        finally
        {
            await pipe.Reader.CompleteAsync();
        }
    }

    /// <summary>
    /// Writes every chunk into the pipe (and the snapshot copy); the header may not repeat. Completes the writer (with
    /// the error, if any).
    /// </summary>
    private static async Task FeedAsync(IAsyncStreamReader<IngestDatasetRequest> requests, PipeWriter writer, UploadCopy copy, CancellationToken ct)
    {
        try
        {
            while (await requests.MoveNext(ct))
            {
                if (requests.Current.PayloadCase != IngestDatasetRequest.PayloadOneofCase.Chunk)
                {
                    throw Invalid("The DatasetHeader is sent once, as the first message; every later message of the upload must be a chunk.");
                }

                copy.Append(requests.Current.Chunk.Span);
                var flushed = await writer.WriteAsync(requests.Current.Chunk.Memory, ct);
                if (flushed.IsCompleted)
                {
                    break; // the load stopped reading
                }
            }

            await writer.CompleteAsync();
        }
        catch (Exception e)
        {
            await writer.CompleteAsync(e);
            throw;
        }
    }

    /// <summary>Streams progress reports, at most one per <see cref="ProgressInterval"/>; the COMPLETED report is sent by the caller.</summary>
    private static async Task PumpProgressAsync(ChannelReader<LoadProgress> reports, IServerStreamWriter<IngestDatasetProgress> responses, CancellationToken ct)
    {
        long? last = null;
        await foreach (var p in reports.ReadAllAsync(ct))
        {
            if (p.Phase == LoadPhase.Completed || (last is { } at && Stopwatch.GetElapsedTime(at) < ProgressInterval))
            {
                continue;
            }

            last = Stopwatch.GetTimestamp();
            await responses.WriteAsync(new IngestDatasetProgress
            {
                Phase = (IngestDatasetProgress.Types.Phase)(int)p.Phase,
                BytesReceived = p.BytesReceived,
                TotalBytes = p.TotalBytes,
                RowsRead = p.RowsRead,
                RowsStored = p.RowsStored,
                RowsQuarantined = p.RowsQuarantined,
                BytesPerSecond = p.BytesPerSecond,
                Message = p.Message ?? "",
            }, ct);
        }
    }

    private static async Task Quietly(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception)
        {
            // already failed or cancelled for a reason reported elsewhere
        }
    }

    private static async Task<T> Guard<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (DatasetException e)
        {
            throw ToRpc(e);
        }
    }

    private static RpcException ToRpc(DatasetException e) => new(new Status(e.Kind switch
    {
        DatasetErrorKind.InvalidArgument => StatusCode.InvalidArgument,
        DatasetErrorKind.NotFound => StatusCode.NotFound,
        DatasetErrorKind.FailedPrecondition => StatusCode.FailedPrecondition,
        DatasetErrorKind.ResourceExhausted => StatusCode.ResourceExhausted,
        _ => StatusCode.Internal,
    }, e.Message));

    private static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));

    private static DatasetUpload ToUpload(DatasetHeader h) => new()
    {
        DatasetName = h.Name.Trim(),
        FileName = h.FileName.Trim(),
        Format = h.Format switch
        {
            DatasetFormat.Csv => DatasetFileFormat.Csv,
            DatasetFormat.Tsv => DatasetFileFormat.Tsv,
            DatasetFormat.Xlsx => DatasetFileFormat.Xlsx,
            _ => DatasetFileFormat.Auto,
        },
        SpecYaml = string.IsNullOrWhiteSpace(h.SpecYaml) ? null : h.SpecYaml,
        Vintage = string.IsNullOrWhiteSpace(h.Vintage) ? null : h.Vintage.Trim(),
        ExpectedBytes = h.ExpectedBytes,
        ExpectedSha256 = string.IsNullOrWhiteSpace(h.ExpectedSha256) ? null : h.ExpectedSha256.Trim().ToLowerInvariant(),
        SourceId = h.SourceCase switch
        {
            DatasetHeader.SourceOneofCase.SourceId when h.SourceId.Trim().Length > 0 => h.SourceId.Trim(),
            DatasetHeader.SourceOneofCase.NewSource when h.NewSource.Id.Trim().Length > 0 => h.NewSource.Id.Trim(),
            _ => null,
        },
    };

    /// <summary>The format the engine reads the upload as: stated, else from the file name (as the engine decides it).</summary>
    private static DatasetFileFormat FormatOf(DatasetUpload upload) => upload.Format != DatasetFileFormat.Auto ? upload.Format
        : Path.GetExtension(upload.FileName).ToLowerInvariant() switch
        {
            ".xlsx" or ".xlsm" => DatasetFileFormat.Xlsx,
            ".tsv" or ".tab" => DatasetFileFormat.Tsv,
            _ => DatasetFileFormat.Csv,
        };

    private static DatasetQuery ToQuery(QueryDatasetRequest r)
    {
        var dataset = r.Dataset.Trim();
        if (dataset.Length == 0)
        {
            throw Invalid("dataset is empty: give a dataset id or name (see ListDatasets).");
        }

        var measure = r.Measure is null ? MetricMeasure.Count : r.Measure.Aggregation switch
        {
            DatasetMeasure.Types.Aggregation.CountRows => MetricMeasure.Count,
            DatasetMeasure.Types.Aggregation.Sum => new MetricMeasure(MeasureKind.Sum, r.Measure.Column),
            DatasetMeasure.Types.Aggregation.CountDistinct => new MetricMeasure(MeasureKind.CountDistinct, r.Measure.Column),
            DatasetMeasure.Types.Aggregation.Mean => new MetricMeasure(MeasureKind.Mean, r.Measure.Column),
            _ => throw Invalid("measure.aggregation is not set: use COUNT_ROWS, SUM, COUNT_DISTINCT or MEAN."),
        };
        var filters = DatasetFilters.ToEngine(r.Filters);
        var bucket = r.Bucket switch
        {
            PeriodKind.Unspecified => PeriodBucket.None,
            PeriodKind.FiscalYear => PeriodBucket.FiscalYear,
            PeriodKind.CalendarYear => PeriodBucket.CalendarYear,
            PeriodKind.FiscalQuarter => PeriodBucket.FiscalQuarter,
            PeriodKind.Month => PeriodBucket.Month,
            _ => throw Invalid($"bucket {r.Bucket} is not a grouping: use FISCAL_YEAR, CALENDAR_YEAR, FISCAL_QUARTER or MONTH."),
        };
        return new DatasetQuery
        {
            Dataset = dataset,
            Table = r.Table.Trim().Length == 0 ? null : r.Table.Trim(),
            Filters = filters,
            Measure = measure,
            GroupBy = [.. r.GroupBy],
            DateColumn = r.DateColumn.Trim().Length == 0 ? null : r.DateColumn.Trim(),
            From = Date(r.Period?.StartDate, "period.start_date"),
            To = Date(r.Period?.EndDate, "period.end_date"),
            Bucket = bucket,
            Vintage = r.Vintage.Trim().Length == 0 ? null : r.Vintage.Trim(),
            Limit = r.Limit <= 0 ? 10_000 : r.Limit,
        };
    }

    private static DateOnly? Date(string? text, string field) =>
        string.IsNullOrWhiteSpace(text) ? null
        : DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d
        : throw Invalid($"{field} '{text}' is not a date: write YYYY-MM-DD.");

    private static DatasetLoadSummary ToProto(LoadSummary s)
    {
        var summary = new DatasetLoadSummary
        {
            DatasetId = s.DatasetId,
            DatasetName = s.DatasetName,
            SnapshotId = s.SnapshotId ?? "",
            ContentSha256 = s.ContentSha256,
            RowsRead = s.RowsRead,
            RowsStored = s.RowsStored,
            RowsQuarantined = s.RowsQuarantined,
            AlreadyExisted = s.AlreadyExisted,
        };
        summary.Vintages.AddRange(s.Vintages);
        summary.Tables.AddRange(s.Tables);
        summary.Findings.AddRange(s.Findings.OrderByDescending(f => f.Severity).Select(f => new ValidationFinding
        {
            Severity = (ValidationFinding.Types.Severity)(int)f.Severity,
            Code = f.Code,
            Message = f.Message,
            RowCount = f.RowCount,
            Example = f.Example ?? "",
        }));
        return summary;
    }

    /// <summary>The engine lists vintages per table; the proto per dataset: one entry per label, newest first, summed over tables.</summary>
    private static Dataset ToProto(DatasetInfo d)
    {
        var dataset = new Dataset { Id = d.Id, Name = d.Name, SourceId = d.SourceId ?? "" };
        dataset.Tables.AddRange(d.Tables.Select(t =>
        {
            var table = new DatasetTable { Name = t.Name, RowCount = t.RowCount };
            table.Columns.AddRange(t.Columns);
            return table;
        }));
        dataset.Vintages.AddRange(d.Vintages.GroupBy(v => v.Label, StringComparer.Ordinal).Select(g =>
        {
            var notes = g.Select(v => v.Note).Where(n => !string.IsNullOrEmpty(n)).Distinct(StringComparer.Ordinal).ToList();
            return new DatasetVintage
            {
                Vintage = g.Key,
                SnapshotId = g.Select(v => v.SnapshotId).FirstOrDefault(id => id is not null) ?? "",
                LoadedAt = Timestamp.FromDateTimeOffset(g.Max(v => v.LoadedAt)),
                RowCount = g.Sum(v => v.RowCount),
                Suspect = g.Any(v => v.Suspect),
                Note = string.Join(" ", notes),
            };
        }));
        return dataset;
    }

    /// <summary>Hands each report to the streaming loop in order (Progress&lt;T&gt; would post them out of order).</summary>
    private sealed class ChannelProgress(ChannelWriter<LoadProgress> writer) : IProgress<LoadProgress>
    {
        /// <summary>The latest report (the COMPLETED one carries the final byte count).</summary>
        public LoadProgress? Last { get; private set; }

        public void Report(LoadProgress value)
        {
            Last = value;
            writer.TryWrite(value);
        }
    }
}
