using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Dapper;
using Tally.Datasets.Loading;
using Tally.Datasets.Query;
using Tally.Datasets.Reading;
using Tally.Datasets.Specs;
using Tally.Datasets.Storage;
using Tally.Storage;

namespace Tally.Datasets;

/// <summary>
/// The dataset engine: loads CSV/TSV/XLSX uploads into a <see cref="ServiceDatabase"/> (SQLite or PostgreSQL) as
/// vintages with row provenance, validation findings and quarantine; answers ad-hoc aggregations and computed
/// metrics with the vintage used and what the other vintages said. Thread-safe; one instance per database.
/// Every refusal is a <see cref="DatasetException"/> whose <see cref="DatasetException.Kind"/> maps to a gRPC status.
/// </summary>
public sealed partial class DatasetEngine
{
    private readonly ServiceDatabase _db;
    private readonly DatasetEngineOptions _options;
    private readonly TimeProvider _time;
    private readonly DatasetCatalogReader _reader;
    private readonly MetricStore _metrics;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);
    private readonly Lazy<IReadOnlyList<DatasetSpec>> _catalogSpecs;

    public DatasetEngine(ServiceDatabase database, DatasetEngineOptions? options = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        _db = database;
        _options = options ?? new DatasetEngineOptions();
        _time = time ?? TimeProvider.System;
        _reader = new DatasetCatalogReader(database);
        _metrics = new MetricStore(database, _reader);
        _catalogSpecs = new Lazy<IReadOnlyList<DatasetSpec>>(() =>
            _options.SpecDirectory is { } dir && Directory.Exists(dir) ? DatasetSpecParser.LoadDirectory(dir) : []);
    }

    /// <summary>The engine's schema; apply with <see cref="Migrator.ApplyAsync"/> (or AddDatasetEngine does it at start).</summary>
    public static IReadOnlyList<Migration> Migrations => DatasetMigrations.All;

    /// <summary>Dataset specs of the catalog (Tally:Datasets:SpecDirectory), used for uploads that bring none.</summary>
    public IReadOnlyList<DatasetSpec> CatalogSpecs => _catalogSpecs.Value;

    /// <summary>Applies the engine's migrations to its database (idempotent).</summary>
    public Task MigrateAsync(CancellationToken cancellationToken = default) => Migrator.ApplyAsync(_db, Migrations, cancellationToken);

    /// <summary>
    /// The dataset an upload goes to. A name the upload gives is used as it is. Without one: the dataset its spec
    /// describes; else the bundled catalog's dataset with a table whose file pattern matches the file name (so
    /// "book-outs-by-reason.csv" loads into ice-detention-stats, whose metrics then answer from it); else a slug of the
    /// file name ("FY24 Detention Stats (1).xlsx" → "fy24-detention-stats-1"). A file name that two catalog datasets
    /// claim is refused, naming them, rather than guessed.
    /// </summary>
    internal string DatasetNameFor(DatasetUpload upload)
    {
        if (!string.IsNullOrWhiteSpace(upload.DatasetName))
        {
            return upload.DatasetName;
        }

        if (!string.IsNullOrWhiteSpace(upload.SpecYaml))
        {
            return DatasetSpecParser.Parse(upload.SpecYaml, "(uploaded spec)").Name;
        }

        var fileName = upload.FileName ?? "";
        var claimed = CatalogSpecs
            .Where(d => d.Tables.Any(t => !t.Files.IsDefaultOrEmpty && t.Files.Any(p => Glob.Matches(p, fileName))))
            .Select(d => d.Name).Distinct().ToList();
        return claimed.Count switch
        {
            1 => claimed[0],
            0 => SlugOf(Path.GetFileNameWithoutExtension(fileName)),
            _ => throw new DatasetException(DatasetErrorKind.InvalidArgument,
                $"'{fileName}' matches the file patterns of several catalog datasets ({string.Join(", ", claimed)}); name the dataset to load it into."),
        };
    }

    /// <summary>"FY24 Detention Stats (1)" → "fy24-detention-stats-1"; "dataset" when nothing is left.</summary>
    private static string SlugOf(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text.ToLowerInvariant())
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                builder.Append(c);
            }
            else if (builder.Length > 0 && builder[^1] != '-')
            {
                builder.Append('-');
            }
        }

        return builder.ToString().TrimEnd('-') is { Length: > 0 } slug ? slug : "dataset";
    }

    /// <summary>
    /// Loads one upload read from <paramref name="content"/> (any stream; the gRPC service can pass a Pipe's reader
    /// stream fed by the upload's chunks). Progress is reported a few times a second and once at the end
    /// (<see cref="LoadPhase.Completed"/> with the summary). Rows read = stored + quarantined, always.
    /// A failed or cancelled load leaves every previously loaded vintage as it was.
    /// </summary>
    public async Task<LoadSummary> LoadAsync(DatasetUpload upload, Stream content, IProgress<LoadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(upload);
        ArgumentNullException.ThrowIfNull(content);
        upload = upload with { DatasetName = DatasetNameFor(upload) };
        if (!SlugPattern().IsMatch(upload.DatasetName ?? ""))
        {
            throw new DatasetException(DatasetErrorKind.InvalidArgument,
                $"Dataset name '{upload.DatasetName}' must be a lowercase slug such as 'ice-detention-stats' (letters, digits and '-').");
        }

        if (string.IsNullOrWhiteSpace(upload.FileName))
        {
            throw new DatasetException(DatasetErrorKind.InvalidArgument, "The upload needs a file name (it picks the table and, without a stated format, the format).");
        }

        try
        {
            var spec = await ResolveSpecAsync(upload, cancellationToken);
            await using var run = new LoadRun(_db, _options, _time, upload, spec, progress);
            var gate = _locks.GetOrAdd(upload.DatasetName!, _ => new SemaphoreSlim(1, 1));
            try
            {
                return await run.RunAsync(content, gate, cancellationToken);
            }
            finally
            {
                _reader.Invalidate(); // cached vintages are read again (a failed load changed nothing, but says so cheaply)
            }
        }
        catch (DatasetSpecException e)
        {
            throw new DatasetException(DatasetErrorKind.InvalidArgument, e.Message, e);
        }
        catch (DatasetFormatException e)
        {
            throw new DatasetException(DatasetErrorKind.InvalidArgument, e.Message, e);
        }
        catch (DatasetLimitException e)
        {
            throw new DatasetException(DatasetErrorKind.ResourceExhausted, e.Message, e);
        }
    }

    /// <summary>Loads an upload read from a pipe (the gRPC service writes each chunk to a Pipe and passes its reader).</summary>
    public Task<LoadSummary> LoadAsync(DatasetUpload upload, System.IO.Pipelines.PipeReader content, IProgress<LoadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        return LoadAsync(upload, content.AsStream(leaveOpen: true), progress, cancellationToken);
    }

    private async Task<DatasetSpec?> ResolveSpecAsync(DatasetUpload upload, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrWhiteSpace(upload.SpecYaml))
        {
            var uploaded = DatasetSpecParser.Parse(upload.SpecYaml, "(uploaded spec)");
            return uploaded.Name == upload.DatasetName ? uploaded : throw new DatasetException(DatasetErrorKind.InvalidArgument,
                $"The uploaded spec describes dataset '{uploaded.Name}', but the upload is for '{upload.DatasetName}'; make them the same.");
        }

        if (CatalogSpecs.FirstOrDefault(s => s.Name == upload.DatasetName) is { } fromCatalog)
        {
            return fromCatalog;
        }

        await using var connection = await _db.OpenAsync(cancellationToken);
        var stored = await connection.QueryFirstOrDefaultAsync<(string Yaml, string Origin)>(
            "SELECT spec_yaml, spec_origin FROM ds_datasets WHERE id = @Id", new { Id = upload.DatasetName });
        return stored.Yaml is null ? null : DatasetSpecParser.Parse(stored.Yaml, stored.Origin);
    }

    /// <summary>Infers a spec from a file's first rows: column types, vintage and period columns, as YAML to review and save.</summary>
    public async Task<InferenceReport> InferSpecAsync(Stream content, string fileName, DatasetFileFormat format = DatasetFileFormat.Auto,
        string? datasetName = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var name = datasetName ?? SpecInference.Identifier(Path.GetFileNameWithoutExtension(fileName), "dataset").Replace('_', '-');
        try
        {
            var resolved = format != DatasetFileFormat.Auto ? format : Path.GetExtension(fileName).ToLowerInvariant() switch
            {
                ".xlsx" or ".xlsm" => DatasetFileFormat.Xlsx,
                ".tsv" or ".tab" => DatasetFileFormat.Tsv,
                _ => DatasetFileFormat.Csv,
            };
            var limits = _options.Limits;
            await using var input = new CountingStream(content, limits.MaxBytes);
            IRowReader reader;
            MemoryStream? workbook = null;
            if (resolved == DatasetFileFormat.Xlsx)
            {
                workbook = new MemoryStream();
                await input.CopyToAsync(workbook, cancellationToken);
                ZipGuard.Check(workbook, limits, fileName);
                reader = XlsxRowReader.Open(workbook);
            }
            else
            {
                reader = await CsvRowReader.OpenAsync(input, null, resolved == DatasetFileFormat.Tsv, limits, cancellationToken);
            }

            await using (reader)
            await using (workbook)
            {
                var rows = new List<CapturedRow>();
                while (rows.Count < _options.InferSampleRows + limits.MaxHeaderSearchRows && await reader.ReadAsync(cancellationToken))
                {
                    if (rows.Count > 0 && reader.StartsSheet)
                    {
                        break;
                    }

                    rows.Add(ReplayReader.Capture(reader));
                }

                if (rows.Count == 0)
                {
                    throw new DatasetException(DatasetErrorKind.InvalidArgument, $"'{fileName}' is empty: there is nothing to infer a spec from.");
                }

                var cells = rows.Select(r => r.Cells).ToList();
                var header = SpecInference.FindHeader(cells);
                return SpecInference.Infer(name, fileName, rows[0].Sheet, (int)rows[header].RowNumber, (reader as CsvRowReader)?.Delimiter,
                    cells[header], cells.Skip(header + 1).Take(_options.InferSampleRows).ToList(), resolved);
            }
        }
        catch (DatasetFormatException e)
        {
            throw new DatasetException(DatasetErrorKind.InvalidArgument, e.Message, e);
        }
        catch (DatasetLimitException e)
        {
            throw new DatasetException(DatasetErrorKind.ResourceExhausted, e.Message, e);
        }
    }

    /// <summary>Loaded datasets (optionally one by name) with tables and vintages, newest vintage first (ListDatasets).</summary>
    public async Task<IReadOnlyList<DatasetInfo>> ListDatasetsAsync(string? name = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await _db.OpenAsync(cancellationToken);
        var datasets = (await connection.QueryAsync<(string Id, string Name, string? Description, string? SourceId, string? Publisher, string? Title, string? Url)>(
            "SELECT id, name, description, source_id, source_publisher, source_title, source_url FROM ds_datasets" + (name is null ? "" : " WHERE name = @Name OR id = @Name") + " ORDER BY name",
            new { Name = name })).ToList();
        var result = new List<DatasetInfo>();
        foreach (var d in datasets)
        {
            var tables = (await connection.QueryAsync<(string Name, string Columns, long Rows)>(
                """
                SELECT t.name, t.columns, COALESCE((SELECT SUM(f.row_count) FROM ds_filings f WHERE f.dataset_id = t.dataset_id AND f.table_name = t.name), 0)
                FROM ds_tables t WHERE t.dataset_id = @Id ORDER BY t.name
                """, new { d.Id })).Select(t => new TableInfo(t.Name, t.Columns.Split(',').Select(c => c.Split(':')[0]).ToList(), t.Rows)).ToList();
            var vintages = (await _reader.AllVintagesAsync(d.Id, cancellationToken))
                .OrderByDescending(v => v.Row.VintageDate, StringComparer.Ordinal).ThenByDescending(v => v.Row.PublishedDate, StringComparer.Ordinal)
                .ThenBy(v => v.Row.TableName, StringComparer.Ordinal).Select(DatasetCatalogReader.Info).ToList();
            result.Add(new DatasetInfo(d.Id, d.Name, d.Description, d.SourceId,
                d.Publisher is null && d.Title is null && d.Url is null ? null : new DatasetSource(d.Publisher, d.Title, d.Url), tables, vintages));
        }

        return result;
    }

    /// <summary>Quarantined rows of completed loads, ordered by load, sheet and row (ListQuarantine).</summary>
    /// <param name="loadOrSnapshot">A load id or a snapshot id; null for all loads.</param>
    public async Task<QuarantinePage> ListQuarantineAsync(string? dataset = null, string? loadOrSnapshot = null, int pageSize = 100, string? pageToken = null,
        CancellationToken cancellationToken = default)
    {
        pageSize = pageSize <= 0 ? 100 : Math.Min(pageSize, 1000);
        var offset = 0L;
        if (!string.IsNullOrEmpty(pageToken) && (!pageToken.StartsWith('q') || !long.TryParse(pageToken[1..], NumberStyles.None, CultureInfo.InvariantCulture, out offset)))
        {
            throw new DatasetException(DatasetErrorKind.InvalidArgument, "The page token is not one this service issued; start again without it.");
        }

        var where = "1 = 1";
        if (dataset is not null)
        {
            where += " AND q.dataset_id = @Dataset";
        }

        if (loadOrSnapshot is not null)
        {
            where += " AND (q.load_id = @Load OR l.snapshot_id = @Load)";
        }

        await using var connection = await _db.OpenAsync(cancellationToken);
        var args = new { Dataset = dataset, Load = loadOrSnapshot, Limit = (long)pageSize, Offset = offset };
        var total = await connection.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM ds_quarantine q JOIN ds_loads l ON l.id = q.load_id WHERE {where}", args);
        var rows = (await connection.QueryAsync<(string Dataset, string Load, string? Snapshot, string File, string? Table, string? Sheet, long Row, string? Column, string Code, string Reason, string Raw)>(
            $"""
            SELECT q.dataset_id, q.load_id, l.snapshot_id, q.file_name, q.table_name, q.sheet, q.row_number, q.column_name, q.code, q.reason, q.raw
            FROM ds_quarantine q JOIN ds_loads l ON l.id = q.load_id WHERE {where}
            ORDER BY l.completed_at, q.load_id, q.sheet, q.row_number, q.id LIMIT @Limit OFFSET @Offset
            """, args)).Select(r => new QuarantinedRow(r.Dataset, r.Load, r.Snapshot, r.File, r.Table, r.Sheet, r.Row, r.Column, r.Code, r.Reason, r.Raw)).ToList();
        var next = offset + rows.Count < total ? "q" + (offset + rows.Count).ToString(CultureInfo.InvariantCulture) : null;
        return new QuarantinePage(rows, next, total);
    }

    /// <summary>Findings of a dataset (optionally one table and/or vintage label), most severe first.</summary>
    public async Task<IReadOnlyList<Finding>> ListFindingsAsync(string dataset, string? table = null, string? vintage = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await _db.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<FindingRow>(
            $"SELECT {FindingRow.Select} FROM ds_findings f LEFT JOIN ds_vintages v ON v.id = f.vintage_id WHERE f.dataset_id = @Dataset" +
            (table is null ? "" : " AND f.table_name = @Table") + (vintage is null ? "" : " AND v.label = @Vintage") +
            " ORDER BY f.severity DESC, f.code, v.label",
            new { Dataset = dataset, Table = table, Vintage = vintage });
        return [.. rows.Select(r => r.ToFinding())];
    }

    /// <summary>Registers a computed metric: validated against its table, stored, and materialised for every vintage (and every later load).</summary>
    public Task RegisterMetricAsync(ComputedMetricSpec metric, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(metric);
        return _metrics.RegisterAsync(metric, cancellationToken);
    }

    /// <summary>
    /// The metric's value for one year with the vintage used, what every other vintage covering the year said, and
    /// the suspect vintages skipped (with why). Registered metrics are answered from materialised aggregates.
    /// </summary>
    public Task<ComputedMetricResult> ComputeAsync(ComputedMetricSpec metric, MetricPeriod period, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(metric);
        ArgumentNullException.ThrowIfNull(period);
        return _metrics.ComputeAsync(metric, period, cancellationToken);
    }

    /// <summary>
    /// The metric for several years at once (null: every year a vintage of its table covers, oldest first), reading
    /// the vintages once; each result is what <see cref="ComputeAsync"/> gives for that year.
    /// </summary>
    public Task<IReadOnlyList<ComputedMetricResult>> ComputeManyAsync(ComputedMetricSpec metric, IReadOnlyList<MetricPeriod>? periods = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(metric);
        return _metrics.ComputeManyAsync(metric, periods, cancellationToken);
    }

    /// <summary>
    /// Registers the metric (materialising its aggregates) unless one with the same computation is registered already;
    /// true when it was registered by this call. Cheap when registered: one lookup.
    /// </summary>
    public Task<bool> EnsureMetricRegisteredAsync(ComputedMetricSpec metric, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(metric);
        return _metrics.EnsureRegisteredAsync(metric, cancellationToken);
    }

    /// <summary>The first stored row a metric counts in one vintage for a year (file, sheet, row number), for citing the uploaded file; null when none.</summary>
    public Task<CountedRow?> FirstCountedRowAsync(ComputedMetricSpec metric, string vintageId, MetricPeriod period, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(metric);
        ArgumentNullException.ThrowIfNull(period);
        return _metrics.FirstCountedRowAsync(metric, vintageId, period, cancellationToken);
    }

    /// <summary>An ad-hoc aggregation over one vintage of one table (QueryDataset).</summary>
    public async Task<DatasetQueryResult> QueryAsync(DatasetQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var (_, table) = await _reader.TableAsync(query.Dataset, query.Table, cancellationToken);
        var spec = table.Spec;
        ColumnSpec Need(string column, string role) => spec.Column(column) ?? throw new DatasetException(DatasetErrorKind.InvalidArgument,
            $"Table '{spec.Name}' has no column '{column}' (used as {role}). Columns: {string.Join(", ", spec.Columns.Select(c => c.Name))}.");
        foreach (var f in query.Filters)
        {
            Need(f.Column, "a filter");
        }

        foreach (var g in query.GroupBy)
        {
            Need(g, "a group");
        }

        if (query.Measure.Column is { } mc)
        {
            var c = Need(mc, "the measure");
            if (query.Measure.Kind is MeasureKind.Sum or MeasureKind.Mean && c.Type is not (ColumnType.Int or ColumnType.Decimal))
            {
                throw new DatasetException(DatasetErrorKind.InvalidArgument, $"Column '{mc}' is {c.Type.ToString().ToLowerInvariant()}; {query.Measure.Kind.ToString().ToLowerInvariant()} needs numbers.");
            }
        }

        if ((query.Bucket != PeriodBucket.None || query.From is not null || query.To is not null) && query.DateColumn is null)
        {
            throw new DatasetException(DatasetErrorKind.InvalidArgument, "A period or a period bucket needs date_column: the column holding each row's date.");
        }

        if (query.DateColumn is { } dc && Need(dc, "the date column").Type != ColumnType.Date)
        {
            throw new DatasetException(DatasetErrorKind.InvalidArgument, $"Column '{dc}' is not a date column.");
        }

        var vintages = await _reader.VintagesAsync(query.Dataset, spec.Name, cancellationToken);
        DatasetCatalogReader.Vintage vintage;
        string? warning = null;
        if (query.Vintage is { Length: > 0 } wanted)
        {
            vintage = vintages.Where(v => v.Row.Label == wanted || v.Row.VintageDate == wanted).OrderBy(v => v.Row.Suspect).FirstOrDefault()
                ?? throw new DatasetException(DatasetErrorKind.NotFound,
                    $"Table '{spec.Name}' of '{query.Dataset}' has no vintage '{wanted}'. Nearest: {string.Join(", ", MetricStore.Nearest(vintages.Select(v => v.Row.Label), wanted))}.");
            if (vintage.Row.Suspect != 0)
            {
                warning = $"Vintage {vintage.Row.Label} is suspect and was read only because it was asked for: {vintage.Row.Note}";
            }
        }
        else
        {
            vintage = vintages.Where(v => v.Row.Suspect == 0)
                .OrderByDescending(v => v.Row.VintageDate, StringComparer.Ordinal).ThenByDescending(v => v.Row.PublishedDate, StringComparer.Ordinal)
                .ThenByDescending(v => v.Row.Label, StringComparer.Ordinal).FirstOrDefault()
                ?? throw new DatasetException(DatasetErrorKind.FailedPrecondition, vintages.Count == 0
                    ? $"Table '{spec.Name}' of '{query.Dataset}' has no vintages yet."
                    : $"Every vintage of table '{spec.Name}' is suspect ({vintages.Count}); name one explicitly to read it anyway.");
        }

        var sql = new SqlBuilder();
        var where = new List<string> { $"t.{PhysicalTable.Q(PhysicalTable.FilingColumn)} = {sql.Param(vintage.Row.FilingId)}", MetricSql.Filters(sql, spec, query.Filters) };
        if (query.From is { } from)
        {
            where.Add($"t.{PhysicalTable.Q(query.DateColumn!)} >= {sql.Param(from.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))}");
        }

        if (query.To is { } to)
        {
            where.Add($"t.{PhysicalTable.Q(query.DateColumn!)} <= {sql.Param(to.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))}");
        }

        var bucket = query.Bucket switch
        {
            PeriodBucket.None => null,
            PeriodBucket.FiscalYear => $"'FY' || CAST({MetricSql.FiscalYear(query.DateColumn!)} AS TEXT)",
            PeriodBucket.CalendarYear => $"'CY' || substr(t.{PhysicalTable.Q(query.DateColumn!)}, 1, 4)",
            PeriodBucket.FiscalQuarter => $"'FY' || CAST({MetricSql.FiscalYear(query.DateColumn!)} AS TEXT) || ' Q' || CAST((({MetricSql.Month(query.DateColumn!)} + 2) % 12) / 3 + 1 AS TEXT)",
            _ => $"substr(t.{PhysicalTable.Q(query.DateColumn!)}, 1, 7)",
        };
        if (bucket is not null)
        {
            where.Add($"t.{PhysicalTable.Q(query.DateColumn!)} IS NOT NULL");
        }

        var select = query.GroupBy.Select((g, i) => $"t.{PhysicalTable.Q(g)} AS g{i}").ToList();
        select.Add(bucket is null ? "NULL AS period" : $"{bucket} AS period");
        select.Add($"{MetricSql.Aggregate(query.Measure)} AS value");
        select.Add("COUNT(*) AS n");
        var groups = query.GroupBy.Select(g => $"t.{PhysicalTable.Q(g)}").ToList();
        if (bucket is not null)
        {
            groups.Add(bucket);
        }

        var limit = query.Limit <= 0 ? 10_000 : query.Limit;
        var whereSql = string.Join(" AND ", where);
        var text = $"SELECT {string.Join(", ", select)} FROM {table.Quoted} t WHERE {whereSql}" +
                   (groups.Count > 0 ? $" GROUP BY {string.Join(", ", groups)} ORDER BY period{string.Concat(query.GroupBy.Select((_, i) => $", g{i}"))}" : "") +
                   $" LIMIT {limit + 1}";
        await using var connection = await _db.OpenAsync(cancellationToken);
        var rows = new List<DatasetQueryRow>();
        foreach (IDictionary<string, object?> r in await connection.QueryAsync(new CommandDefinition(text, sql.Parameters, cancellationToken: cancellationToken)))
        {
            var label = r["period"] as string;
            var span = DatasetQueryRow.Span(label);
            rows.Add(new DatasetQueryRow(
                query.GroupBy.Select((g, i) => new KeyValuePair<string, string?>(g, r["g" + i] is null or DBNull ? null : TableChecks.Text(r["g" + i]))).ToList(),
                label, span?.Start, span?.End,
                r["value"] is null or DBNull ? (query.Measure.Kind is MeasureKind.Count or MeasureKind.CountDistinct ? 0 : null) : TableChecks.Num(r["value"]),
                Convert.ToInt64(r["n"], CultureInfo.InvariantCulture)));
        }

        var matched = await connection.ExecuteScalarAsync<long>(new CommandDefinition($"SELECT COUNT(*) FROM {table.Quoted} t WHERE {whereSql}", sql.Parameters, cancellationToken: cancellationToken));
        var truncated = rows.Count > limit;
        return new DatasetQueryResult(query.Dataset, spec.Name, DatasetCatalogReader.Info(vintage), truncated ? rows[..limit] : rows, matched, truncated, warning, text);
    }

    /// <summary>
    /// Removes what crashed loads left behind (staged rows, quarantine rows, staging markers) once they are older
    /// than <paramref name="olderThan"/>; call at start. Returns the number of abandoned loads removed.
    /// </summary>
    public async Task<int> CleanupAbandonedLoadsAsync(TimeSpan olderThan, CancellationToken cancellationToken = default)
    {
        var cutoff = _time.GetUtcNow().Subtract(olderThan).ToUnixTimeMilliseconds();
        await using var connection = await _db.OpenAsync(cancellationToken);
        var staging = (await connection.QueryAsync<(string Load, string Dataset, string Tables, long Heartbeat)>(
            "SELECT load_id, dataset_id, physical_tables, heartbeat_at FROM ds_staging")).ToList();
        var removed = 0;
        foreach (var dataset in staging.GroupBy(s => s.Dataset))
        {
            if (dataset.Any(s => s.Heartbeat >= cutoff))
            {
                continue; // a load of this dataset may still be running
            }

            foreach (var table in dataset.SelectMany(s => s.Tables.Split(',', StringSplitOptions.RemoveEmptyEntries)).Distinct())
            {
                await connection.ExecuteAsync(
                    $"DELETE FROM {PhysicalTable.Q(table)} WHERE {PhysicalTable.Q(PhysicalTable.FilingColumn)} NOT IN (SELECT id FROM ds_filings)");
            }

            foreach (var s in dataset)
            {
                await connection.ExecuteAsync("DELETE FROM ds_quarantine WHERE load_id = @Load", new { s.Load });
                await connection.ExecuteAsync("DELETE FROM ds_staging WHERE load_id = @Load", new { s.Load });
                removed++;
            }
        }

        return removed;
    }

    [GeneratedRegex("^[a-z][a-z0-9]*(-[a-z0-9]+)*$")]
    private static partial Regex SlugPattern();
}
