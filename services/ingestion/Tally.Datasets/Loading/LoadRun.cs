using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Dapper;
using Tally.Datasets.Query;
using Tally.Datasets.Reading;
using Tally.Datasets.Specs;
using Tally.Datasets.Storage;
using Tally.Storage;

namespace Tally.Datasets.Loading;

/// <summary>
/// One upload, start to finish: read rows as they arrive, convert and check them, stage them (invisible), run the
/// table checks, then switch the new vintages in with one transaction. On failure or cancellation the staged rows
/// are deleted and nothing a query can see has changed.
/// </summary>
internal sealed class LoadRun : IAsyncDisposable
{
    private readonly ServiceDatabase _db;
    private readonly DatasetEngineOptions _options;
    private readonly ReaderLimits _limits;
    private readonly TimeProvider _time;
    private readonly DatasetUpload _upload;
    private readonly IProgress<LoadProgress>? _progress;
    private readonly string _loadId = Ids.New("ld");
    private readonly List<Finding> _loadFindings = [];
    private readonly Dictionary<(string Table, string? Vintage, string? Published), Filing> _filings = [];
    private readonly Dictionary<string, (long Count, QuarantineEntry Example)> _quarantineCodes = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly KeyFilter _keys;
    private readonly long _startedAt;
    private DatasetSpec? _spec;
    private Filing? _lastFiling;
    private string? _inferredYaml;
    private IStagingWriter? _writer;
    private CountingStream? _input;
    private long _rowsRead, _rowsStored, _rowsQuarantined, _blankRows;
    private long _rowsHeld; // rows the dataset's vintages held when the load started (MaxRowsPerDataset)
    private long _lastReport = -1_000_000;
    private LoadPhase _phase = LoadPhase.Receiving;

    public LoadRun(ServiceDatabase db, DatasetEngineOptions options, TimeProvider time, DatasetUpload upload, DatasetSpec? spec,
        IProgress<LoadProgress>? progress)
    {
        _db = db;
        _options = options;
        _limits = options.Limits;
        _time = time;
        _upload = upload;
        _spec = spec;
        _progress = progress;
        _startedAt = time.GetUtcNow().ToUnixTimeMilliseconds();
        _keys = new KeyFilter(options.KeyFilterBudget, Path.Combine(options.TempDirectory ?? Path.GetTempPath(), $"tally-{_loadId}.keys"));
    }

    private string DatasetId => _upload.DatasetName;

    public async Task<LoadSummary> RunAsync(Stream content, SemaphoreSlim switchLock, CancellationToken cancellationToken)
    {
        _input = new CountingStream(content, _limits.MaxBytes);
        var format = ResolveFormat();
        FileStream? spool = null;
        char? delimiter = null;
        var staged = false;
        try
        {
            IRowReader reader;
            if (format == DatasetFileFormat.Xlsx)
            {
                spool = await SpoolAsync(_input, cancellationToken);
                ZipGuard.Check(spool, _limits, _upload.FileName);
                if (await ExistingLoadAsync(_input.Sha256Hex(), cancellationToken) is { } existing)
                {
                    return existing;
                }

                _phase = LoadPhase.Parsing;
                Report("parsing the workbook", force: true);
                reader = XlsxRowReader.Open(spool);
            }
            else
            {
                var csv = await CsvRowReader.OpenAsync(_input, null, format == DatasetFileFormat.Tsv, _limits, cancellationToken);
                if (_input.BytesRead == 0)
                {
                    await csv.DisposeAsync();
                    throw new DatasetFormatException($"'{_upload.FileName}' is empty: there is nothing to load.");
                }

                delimiter = csv.Delimiter;
                reader = _options.ReadAheadBlocks >= 2 ? new PrefetchingRowReader(csv, _options.HandOverRows, _options.ReadAheadBlocks) : csv;
            }

            await using (reader)
            {
                var source = reader;
                if (_spec is null)
                {
                    source = await InferAsync(reader, format, delimiter, cancellationToken);
                }

                var tables = _spec!.Tables.Select(t => new PhysicalTable(_spec.Name, t)).ToList();
                await PrepareTablesAsync(tables, cancellationToken);
                _rowsHeld = await RowsHeldAsync(cancellationToken);
                CheckDatasetRows(_rowsHeld);
                await RegisterStagingAsync(tables, cancellationToken);
                staged = true;
                _writer = await StagingWriter.OpenAsync(_db, _options.BatchRows, cancellationToken);
                if (_options.StagingQueueBatches >= 2)
                {
                    _writer = new PipelinedStagingWriter(_writer, _options.HandOverRows, _options.StagingQueueBatches, cancellationToken);
                }

                await ReadRowsAsync(source, tables, format, cancellationToken);
                await _writer.FlushAsync(cancellationToken);
            }

            var sha = _input.Sha256Hex();
            if (_upload.ExpectedSha256 is { Length: > 0 } expected && !string.Equals(expected, sha, StringComparison.OrdinalIgnoreCase))
            {
                throw new DatasetException(DatasetErrorKind.InvalidArgument,
                    $"The upload's SHA-256 is {sha}, not the {expected} the client announced: the file changed or was cut in transit. Upload it again.");
            }

            if (format != DatasetFileFormat.Xlsx && await ExistingLoadAsync(sha, cancellationToken) is { } again)
            {
                await CleanupAsync();
                staged = false;
                return again;
            }

            _phase = LoadPhase.Storing;
            Report("checking keys, totals and vintages", force: true);
            _keys.Finish();
            await PhysicalTable.AnalyzeFilingsAsync(_db, _filings.Values.Select(f => f.Table).Distinct(), cancellationToken);
            var checks = new TableChecks(_db, _spec!, _upload, _loadId);
            var removed = await checks.QuarantineDuplicateKeysAsync(_filings.Values, cancellationToken);
            _rowsStored -= removed;
            _rowsQuarantined += removed;
            foreach (var (code, count, example) in checks.DuplicateSummary)
            {
                NoteQuarantine(code, count, example);
            }

            var vintageFindings = await checks.WithinVintageAsync(_filings.Values, cancellationToken);

            await switchLock.WaitAsync(cancellationToken);
            try
            {
                CheckDatasetRows(await RowsHeldAsync(cancellationToken)); // again, now that no other load of the dataset can switch
                var summary = await SwitchAsync(sha, format, vintageFindings, cancellationToken);
                staged = false;
                _phase = LoadPhase.Completed;
                _progress?.Report(new LoadProgress(LoadPhase.Completed, _input.BytesRead, _upload.ExpectedBytes, _rowsRead, _rowsStored,
                    _rowsQuarantined, Rate(), "completed", summary));
                return summary;
            }
            finally
            {
                switchLock.Release();
            }
        }
        catch (Exception) when (staged)
        {
            // Close the writer first: its open batch would otherwise hold locks the cleanup needs.
            if (_writer is not null)
            {
                await _writer.DisposeAsync();
                _writer = null;
            }

            await CleanupAsync();
            throw;
        }
        finally
        {
            if (_writer is not null)
            {
                await _writer.DisposeAsync();
            }

            if (spool is not null)
            {
                await spool.DisposeAsync(); // DeleteOnClose
            }

        }
    }

    public async ValueTask DisposeAsync()
    {
        _keys.Dispose();
        if (_input is not null)
        {
            await _input.DisposeAsync();
        }
    }

    private DatasetFileFormat ResolveFormat()
    {
        if (_upload.Format != DatasetFileFormat.Auto)
        {
            return _upload.Format;
        }

        var ext = Path.GetExtension(_upload.FileName).ToLowerInvariant();
        return ext switch
        {
            ".xlsx" or ".xlsm" => DatasetFileFormat.Xlsx,
            ".tsv" or ".tab" => DatasetFileFormat.Tsv,
            ".csv" or ".txt" => DatasetFileFormat.Csv,
            _ => _spec?.Tables.Select(t => t.Format).FirstOrDefault(f => f != DatasetFileFormat.Auto) is { } f && f != DatasetFileFormat.Auto
                ? f
                : throw new DatasetException(DatasetErrorKind.InvalidArgument,
                    $"Cannot tell the format of '{_upload.FileName}' from its name; state it (csv, tsv or xlsx)."),
        };
    }

    private async Task<FileStream> SpoolAsync(Stream input, CancellationToken cancellationToken)
    {
        var dir = _options.TempDirectory ?? Path.GetTempPath();
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, $"tally-{_loadId}.xlsx");
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        var buffer = new byte[1 << 16];
        int n;
        while ((n = await input.ReadAsync(buffer, cancellationToken)) > 0)
        {
            await file.WriteAsync(buffer.AsMemory(0, n), cancellationToken);
            Report("receiving the workbook", force: false);
        }

        await file.FlushAsync(cancellationToken);
        file.Position = 0;
        return file;
    }

    private async Task<LoadSummary?> ExistingLoadAsync(string sha, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenAsync(cancellationToken);
        var json = await connection.QueryFirstOrDefaultAsync<string>(
            "SELECT summary FROM ds_loads WHERE dataset_id = @Dataset AND content_sha256 = @Sha ORDER BY completed_at LIMIT 1",
            new { Dataset = DatasetId, Sha = sha });
        if (json is null)
        {
            return null;
        }

        var summary = JsonSerializer.Deserialize<LoadSummary>(json, Json.Options)! with { AlreadyExisted = true };
        _progress?.Report(new LoadProgress(LoadPhase.Completed, _input!.BytesRead, _upload.ExpectedBytes, summary.RowsRead, summary.RowsStored,
            summary.RowsQuarantined, Rate(), "already loaded: identical bytes", summary));
        return summary;
    }

    private async Task<IRowReader> InferAsync(IRowReader reader, DatasetFileFormat format, char? delimiter, CancellationToken cancellationToken)
    {
        if (!_options.InferWhenNoSpec)
        {
            throw new DatasetException(DatasetErrorKind.FailedPrecondition,
                $"Dataset '{DatasetId}' has no spec: none was uploaded, none is stored and the catalog has none. Send one (run inference on the file to get a starting point).");
        }

        var captured = new List<CapturedRow>();
        var sampled = 0;
        while (captured.Count < _options.InferSampleRows + _limits.MaxHeaderSearchRows && await reader.ReadAsync(cancellationToken))
        {
            captured.Add(ReplayReader.Capture(reader));
            if (captured.Count > 1 && reader.StartsSheet)
            {
                break; // infer from the first sheet only; the row is replayed with the rest
            }

            sampled++;
        }

        var sheet = captured.Count > 0 ? captured[0].Sheet : null;
        var rows = captured.Take(sampled).Select(c => c.Cells).ToList();
        if (rows.Count == 0)
        {
            throw new DatasetFormatException($"'{_upload.FileName}' has no rows: there is nothing to load.");
        }

        var headerIndex = SpecInference.FindHeader(rows);

        var report = SpecInference.Infer(DatasetId, _upload.FileName, sheet, (int)captured[headerIndex].RowNumber,
            delimiter, rows[headerIndex], rows.Skip(headerIndex + 1).Take(_options.InferSampleRows).ToList(), format);
        _spec = DatasetSpecParser.Parse(report.SpecYaml, "(inferred)");
        _inferredYaml = report.SpecYaml;
        _loadFindings.Add(new Finding(FindingSeverity.Warning, "SPEC_INFERRED",
            $"No spec was given for '{DatasetId}', so one was inferred from the first {report.RowsSampled:N0} rows (types only; no required columns, enums, vintage rules or totals beyond what the names suggest). Review it and upload it as the dataset's spec.",
            0, null, report.TableName, null));
        return new ReplayReader(captured, reader);
    }

    /// <summary>Rows stored in the dataset's vintages (every table).</summary>
    private async Task<long> RowsHeldAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(
            "SELECT COALESCE(SUM(row_count), 0) FROM ds_vintages WHERE dataset_id = @Dataset", new { Dataset = DatasetId });
    }

    /// <summary>
    /// Refuses the load once the dataset would hold more than Tally:Datasets:MaxRowsPerDataset rows: those in its vintages
    /// plus this upload's data rows. A quota that depends on what is stored already, hence RESOURCE_EXHAUSTED (the
    /// engine maps <see cref="DatasetLimitException"/> so), not INVALID_ARGUMENT: the same file loads into a smaller dataset.
    /// </summary>
    private void CheckDatasetRows(long held)
    {
        if (held + _rowsRead > _options.MaxRowsPerDataset)
        {
            throw new DatasetLimitException(
                $"Dataset '{DatasetId}' would hold more than {_options.MaxRowsPerDataset:N0} rows ({held:N0} in its vintages + {_rowsRead:N0}{(_rowsRead == 0 ? "" : " so far")} in '{_upload.FileName}'), " +
                "the limit of Tally:Datasets:MaxRowsPerDataset. Nothing was changed: the dataset's vintages are as they were. Load the file as a new dataset, or raise the limit.");
        }
    }

    private async Task PrepareTablesAsync(List<PhysicalTable> tables, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenAsync(cancellationToken);
        foreach (var table in tables)
        {
            var existing = await connection.QueryFirstOrDefaultAsync<string>(
                "SELECT columns FROM ds_tables WHERE dataset_id = @Dataset AND name = @Name", new { Dataset = DatasetId, Name = table.Spec.Name });
            if (existing is not null && existing != table.Signature)
            {
                throw new DatasetException(DatasetErrorKind.FailedPrecondition,
                    $"Table '{table.Spec.Name}' of dataset '{DatasetId}' already holds vintages with columns ({existing.Replace(",", ", ", StringComparison.Ordinal)}); " +
                    $"the spec now declares ({table.Signature.Replace(",", ", ", StringComparison.Ordinal)}). Keep the columns, or load the file as a new dataset or table.");
            }

            await table.EnsureCreatedAsync(connection, _db.Dialect);
        }
    }

    private async Task RegisterStagingAsync(List<PhysicalTable> tables, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(
            "INSERT INTO ds_staging (load_id, dataset_id, physical_tables, filings, heartbeat_at) VALUES (@Id, @Dataset, @Tables, '', @Now)",
            new { Id = _loadId, Dataset = DatasetId, Tables = string.Join(",", tables.Select(t => t.Name)), Now = _startedAt });
    }

    private sealed class SheetState(PhysicalTable table, string? sheet)
    {
        public PhysicalTable Table { get; } = table;
        public string? Sheet { get; } = sheet;
        public RowConverter? Converter { get; set; }
        public int HeaderCells { get; set; }
        public long BannerRows { get; set; }
        public bool HeaderFound => Converter is not null;
        public List<string>? BestCandidate { get; set; }
        public int BestMatches { get; set; }
        public int[] VintageIndexes { get; set; } = [];
        public bool[] VintageColumns { get; set; } = [];
        public bool[] PeriodColumns { get; set; } = [];
        public int[] KeyIndexes { get; set; } = [];
    }

    private async Task ReadRowsAsync(IRowReader reader, List<PhysicalTable> tables, DatasetFileFormat format, CancellationToken cancellationToken)
    {
        SheetState? state = null;
        var isXlsx = format == DatasetFileFormat.Xlsx;
        var skippedSheetRows = 0L;
        string? skippedSheet = null;
        var sheetsSeen = new List<string?>();
        var matchedTables = new HashSet<string>(StringComparer.Ordinal);
        var valuesByTable = tables.ToDictionary(t => t, t => new object?[t.Spec.Columns.Length]);
        var first = true;
        while (await reader.ReadAsync(cancellationToken))
        {
            if (reader.StartsSheet || first)
            {
                first = false;
                FinishSheet(state, skippedSheet, skippedSheetRows);
                skippedSheetRows = 0;
                sheetsSeen.Add(reader.Sheet);
                var table = SelectTable(tables, reader.Sheet, isXlsx, sheetsSeen.Count == 1);
                state = table is null ? null : new SheetState(table, reader.Sheet);
                skippedSheet = table is null ? reader.Sheet : null;
                if (table is not null)
                {
                    matchedTables.Add(table.Spec.Name);
                }
            }

            if (state is null)
            {
                skippedSheetRows++;
                continue;
            }

            if (!state.HeaderFound)
            {
                LocateHeader(state, reader);
                continue;
            }

            if (IsBlank(reader))
            {
                _blankRows++;
                continue;
            }

            _rowsRead++;
            if (_rowsRead > _limits.MaxRows)
            {
                throw new DatasetLimitException($"'{_upload.FileName}' has more than {_limits.MaxRows:N0} data rows, the limit for one upload (Tally:Datasets:MaxRows); split it. Nothing was changed: the dataset's vintages are as they were.");
            }

            CheckDatasetRows(_rowsHeld);

            await ProcessRowAsync(state, reader, valuesByTable[state.Table], cancellationToken);
            Report(isXlsx ? $"parsing sheet '{reader.Sheet}'" : "receiving and parsing rows", force: false);
        }

        FinishSheet(state, skippedSheet, skippedSheetRows);
        if (sheetsSeen.Count == 0)
        {
            throw new DatasetFormatException($"'{_upload.FileName}' has no rows: there is nothing to load.");
        }

        if (matchedTables.Count == 0)
        {
            throw new DatasetFormatException(
                $"No table of dataset '{_spec!.Name}' matches '{_upload.FileName}'{(isXlsx ? $" (sheets: {string.Join(", ", sheetsSeen.Select(s => $"'{s}'"))})" : "")}. " +
                $"Tables: {string.Join("; ", _spec.Tables.Select(t => $"{t.Name} (files: {(t.Files.IsDefaultOrEmpty ? "any" : string.Join(", ", t.Files))}{(t.Sheet is null ? "" : $", sheet: {t.Sheet}")})"))}.");
        }

        if (_rowsRead == 0)
        {
            _loadFindings.Add(new Finding(FindingSeverity.Warning, "NO_DATA_ROWS", $"'{_upload.FileName}' has a header but no data rows.", 0, null, null, null));
        }
    }

    private void FinishSheet(SheetState? state, string? skippedSheet, long skippedRows)
    {
        if (state is not null && !state.HeaderFound)
        {
            var where = state.Sheet is null ? $"'{_upload.FileName}'" : $"sheet '{state.Sheet}' of '{_upload.FileName}'";
            if (state.Table.Spec.HeaderRow is null && state.BestCandidate is { } best)
            {
                // Name the missing columns of the row that came closest (throws when some are missing).
                HeaderMatcher.Bind(state.Table.Spec, best, where);
            }

            throw new DatasetFormatException(state.Table.Spec.HeaderRow is { } hr
                ? $"{where} ends before its header row {hr} (spec of table '{state.Table.Spec.Name}'); nothing was stored."
                : $"{where}: no header row naming every column of table '{state.Table.Spec.Name}' ({string.Join(", ", state.Table.Spec.Columns.Select(c => c.Header))}) was found in its first {_limits.MaxHeaderSearchRows} rows; nothing was stored. Fix the spec's column headers or give header_row.");
        }

        if (state is { BannerRows: > 0 })
        {
            _loadFindings.Add(new Finding(FindingSeverity.Info, "BANNER_ROWS_SKIPPED",
                $"{state.BannerRows} row(s) above the header{(state.Sheet is null ? "" : $" of sheet '{state.Sheet}'")} were read as a banner, not data.",
                state.BannerRows, null, state.Table.Spec.Name, null));
        }

        if (skippedSheet is not null)
        {
            _loadFindings.Add(new Finding(FindingSeverity.Info, "SHEET_NOT_LOADED",
                $"Sheet '{skippedSheet}' ({skippedRows:N0} rows) matches no table of the spec and was not loaded.", 0, null, null, null));
        }
    }

    private PhysicalTable? SelectTable(List<PhysicalTable> tables, string? sheet, bool isXlsx, bool firstSheet)
    {
        bool FileMatches(TableSpec t) => t.Files.IsDefaultOrEmpty || t.Files.Any(p => Glob.Matches(p, _upload.FileName));
        var byFile = tables.Where(t => FileMatches(t.Spec)).ToList();
        if (!isXlsx)
        {
            var explicitMatch = byFile.Where(t => !t.Spec.Files.IsDefaultOrEmpty).ToList();
            var candidates = explicitMatch.Count > 0 ? explicitMatch : byFile;
            return candidates.Count switch
            {
                1 => candidates[0],
                0 => null,
                _ => throw new DatasetFormatException(
                    $"'{_upload.FileName}' matches more than one table of dataset '{_spec!.Name}' ({string.Join(", ", candidates.Select(c => c.Spec.Name))}); give each table 'files' patterns that tell them apart."),
            };
        }

        var bySheet = byFile.Where(t => t.Spec.Sheet is { } s ? sheet is not null && Glob.Matches(s, sheet) : firstSheet).ToList();
        return bySheet.Count switch
        {
            1 => bySheet[0],
            0 => null,
            _ => throw new DatasetFormatException(
                $"Sheet '{sheet}' of '{_upload.FileName}' matches more than one table ({string.Join(", ", bySheet.Select(c => c.Spec.Name))}); make their 'sheet' patterns distinct."),
        };
    }

    private void LocateHeader(SheetState state, IRowReader reader)
    {
        var spec = state.Table.Spec;
        var cells = Enumerable.Range(0, reader.CellCount).Select(reader.Cell).ToList();
        var isHeader = spec.HeaderRow is { } hr ? reader.RowNumber == hr : HeaderMatcher.IsHeader(spec, cells);
        if (!isHeader)
        {
            if (spec.HeaderRow is { } h && reader.RowNumber > h)
            {
                throw new DatasetFormatException($"'{_upload.FileName}' has no row {h} (header_row of table '{spec.Name}').");
            }

            state.BannerRows++;
            var matches = HeaderMatcher.Matches(spec, cells);
            if (matches > state.BestMatches && matches * 2 >= spec.Columns.Length)
            {
                state.BestMatches = matches;
                state.BestCandidate = cells;
            }

            if (spec.HeaderRow is null && state.BannerRows >= _limits.MaxHeaderSearchRows)
            {
                FinishSheet(state, null, 0);
            }

            return;
        }

        var where = reader.Sheet is null ? $"'{_upload.FileName}' row {reader.RowNumber}" : $"sheet '{reader.Sheet}' row {reader.RowNumber} of '{_upload.FileName}'";
        var map = HeaderMatcher.Bind(spec, cells, where);
        state.Converter = new RowConverter(spec, map);
        state.HeaderCells = reader.CellCount;
        var declared = spec.Columns.Select(c => HeaderMatcher.Normalize(c.Header)).ToHashSet(StringComparer.Ordinal);
        var extra = cells.Where(c => c.Trim().Length > 0 && !declared.Contains(HeaderMatcher.Normalize(c))).ToList();
        if (extra.Count > 0)
        {
            _loadFindings.Add(new Finding(FindingSeverity.Info, "COLUMNS_NOT_IN_SPEC",
                $"{where} has column(s) the spec of table '{spec.Name}' does not declare; they were not stored: {string.Join(", ", extra.Select(e => $"'{e}'"))}.",
                0, null, spec.Name, null));
        }

        (state.VintageColumns, state.PeriodColumns) = Filing.Flags(spec);
        state.KeyIndexes = spec.Key.IsDefaultOrEmpty ? [] : [.. spec.Key.Select(spec.IndexOf)];
        state.VintageIndexes = spec.Vintage is { } v ? [spec.IndexOf(v.DateColumn), v.PublishedColumn is null ? -1 : spec.IndexOf(v.PublishedColumn)] : [];
    }

    private static bool IsBlank(IRowReader reader)
    {
        for (var i = 0; i < reader.CellCount; i++)
        {
            if (!string.IsNullOrWhiteSpace(reader.Cell(i)))
            {
                return false;
            }
        }

        return reader.Problem is null;
    }

    private async Task ProcessRowAsync(SheetState state, IRowReader reader, object?[] values, CancellationToken cancellationToken)
    {
        var spec = state.Table.Spec;
        if (reader.Problem is not null)
        {
            await QuarantineAsync(state, reader, null, reader.ProblemCode ?? "MALFORMED_ROW", reader.Problem, cancellationToken);
            return;
        }

        var isXlsx = reader.Sheet is not null;
        if (reader.CellCount != state.HeaderCells && (!isXlsx || reader.CellCount > state.HeaderCells))
        {
            await QuarantineAsync(state, reader, null, "WRONG_COLUMN_COUNT",
                $"the row has {reader.CellCount} cells but the header has {state.HeaderCells}", cancellationToken);
            return;
        }

        if (!state.Converter!.TryConvert(reader, values, out var error))
        {
            await QuarantineAsync(state, reader, error.Column, error.Code, error.Reason, cancellationToken);
            return;
        }

        string? vintageText = null, publishedText = null;
        if (state.VintageIndexes.Length > 0)
        {
            vintageText = values[state.VintageIndexes[0]] as string;
            publishedText = state.VintageIndexes[1] >= 0 ? values[state.VintageIndexes[1]] as string : null;
            if (vintageText is null)
            {
                await QuarantineAsync(state, reader, spec.Vintage!.DateColumn, "MISSING_VINTAGE",
                    $"'{spec.Vintage.DateColumn}' is empty, so the row belongs to no vintage", cancellationToken);
                return;
            }
        }

        // Rows of one vintage usually come together: the last row's filing is checked before the dictionary.
        var filing = _lastFiling;
        if (filing is null || !ReferenceEquals(filing.Table, state.Table)
            || !string.Equals(filing.VintageDateText, vintageText, StringComparison.Ordinal) || !string.Equals(filing.PublishedText, publishedText, StringComparison.Ordinal))
        {
            var key = (spec.Name, vintageText, publishedText);
            if (!_filings.TryGetValue(key, out filing))
            {
                filing = new Filing(Ids.New("fl"), state.Table, vintageText, publishedText);
                _filings[key] = filing;
            }

            _lastFiling = filing;
        }

        RowRules(spec, values, filing, reader);
        filing.Add(values, spec, state.VintageColumns, state.PeriodColumns);
        if (state.KeyIndexes.Length > 0)
        {
            _keys.Add(filing, values, state.KeyIndexes);
        }

        await _writer!.WriteRowAsync(state.Table, filing.Id, reader.Sheet, reader.RowNumber, values, cancellationToken);
        _rowsStored++;
    }

    /// <summary>Row-level vintage rules: the row's date lies in its stated fiscal year, and no counts for periods after the pull.</summary>
    private void RowRules(TableSpec spec, object?[] values, Filing filing, IRowReader reader)
    {
        var period = spec.Period;
        if (period?.DateColumn is null || values[spec.IndexOf(period.DateColumn)] is not string dateText)
        {
            return;
        }

        // Stored dates are ISO text (RowConverter); the example text of a violation is only built for its first row.
        var date = RowConverter.TryIsoDate(dateText, out var d0) ? d0 : DateOnly.ParseExact(dateText, "yyyy-MM-dd", CultureInfo.InvariantCulture);
        if (spec.Validation.DateInFiscalYear && period.FiscalYearColumn is { } fyc && values[spec.IndexOf(fyc)] is long fy && FiscalYear.Of(date) != fy)
        {
            filing.Violation("DATE_OUTSIDE_FISCAL_YEAR",
                $"rows whose {period.DateColumn} lies outside their stated fiscal year (FY{{0}} runs {{1}} to {{2}})",
                () => $"{Where(reader)}: {period.DateColumn} {dateText} is in FY{FiscalYear.Of(date)}, but {fyc} says {fy} (FY{fy}: {FiscalYear.Start((int)fy):yyyy-MM-dd} to {FiscalYear.End((int)fy):yyyy-MM-dd})");
        }

        // A month that began after the file was published (or, without a publication date, after the vintage date)
        // cannot have counts yet. The publication date is the bound: pulls are dated a few days before the data ends.
        if (!spec.Validation.NoDataAfterVintageMeasures.IsDefaultOrEmpty && (filing.Published ?? filing.VintageDate) is { } bound && date > bound)
        {
            foreach (var measure in spec.Validation.NoDataAfterVintageMeasures)
            {
                if (values[spec.IndexOf(measure)] is long n and not 0 || values[spec.IndexOf(measure)] is double d && d != 0)
                {
                    filing.Violation("DATA_AFTER_VINTAGE_DATE", "rows count events in periods that begin after the vintage was published",
                        () => $"{Where(reader)}: {measure} = {values[spec.IndexOf(measure)]} for {dateText}, after the vintage {filing.VintageDateText}{(filing.PublishedText is null ? "" : $" published {filing.PublishedText}")}");
                    break;
                }
            }
        }
    }

    private string Where(IRowReader reader) =>
        reader.Sheet is null ? $"'{_upload.FileName}' row {reader.RowNumber}" : $"sheet '{reader.Sheet}' row {reader.RowNumber}";

    private async Task QuarantineAsync(SheetState state, IRowReader reader, string? column, string code, string reason, CancellationToken cancellationToken)
    {
        var raw = new StringBuilder();
        for (var i = 0; i < reader.CellCount && raw.Length < 65536; i++)
        {
            if (i > 0)
            {
                raw.Append('\t');
            }

            raw.Append(reader.Cell(i));
        }

        var entry = new QuarantineEntry(DatasetId, state.Table.Spec.Name, _loadId, _upload.FileName, reader.Sheet, reader.RowNumber, column, code,
            reason, raw.Length > 65536 ? raw.ToString(0, 65536) : raw.ToString());
        await _writer!.QuarantineAsync(entry, cancellationToken);
        _rowsQuarantined++;
        NoteQuarantine(code, 1, entry);
    }

    private void NoteQuarantine(string code, long count, QuarantineEntry example) =>
        _quarantineCodes[code] = _quarantineCodes.TryGetValue(code, out var q) ? (q.Count + count, q.Example) : (count, example);

    private void Report(string message, bool force)
    {
        if (_progress is null)
        {
            return;
        }

        var now = _clock.ElapsedMilliseconds;
        if (!force && now - _lastReport < _options.ProgressIntervalMs)
        {
            return;
        }

        _lastReport = now;
        _progress.Report(new LoadProgress(_phase, _input!.BytesRead, _upload.ExpectedBytes, _rowsRead, _rowsStored, _rowsQuarantined, Rate(), message, null));
    }

    private double Rate() => _clock.Elapsed.TotalSeconds > 0 ? _input!.BytesRead / _clock.Elapsed.TotalSeconds : 0;

    /// <summary>Deletes everything this load staged (rows, quarantine, staging marker); never throws.</summary>
    private async Task CleanupAsync()
    {
        try
        {
            await using var connection = await _db.OpenAsync(CancellationToken.None);
            await Cleanup.DeleteStagedAsync(connection, _loadId, _filings.Values.GroupBy(f => f.Table.Name).ToDictionary(g => g.Key, g => g.Select(f => f.Id).ToList()));
        }
        catch (DbException)
        {
            // Abandoned staging is also removed by DatasetEngine.CleanupAbandonedLoadsAsync.
        }
    }

    private async Task<LoadSummary> SwitchAsync(string sha, DatasetFileFormat format, List<(Filing Filing, Finding Finding)> vintageFindings, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        if (_db.Dialect == SqlDialect.Postgres)
        {
            await connection.ExecuteAsync("SELECT pg_advisory_xact_lock(@Key)", new { Key = Ids.LockKey(DatasetId) }, tx);
        }

        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var spec = _spec!;
        await connection.ExecuteAsync(
            """
            INSERT INTO ds_datasets (id, name, description, source_id, source_publisher, source_title, source_url, spec_yaml, spec_origin, created_at, updated_at)
            VALUES (@Id, @Id, @Description, @SourceId, @Publisher, @Title, @Url, @Yaml, @Origin, @Now, @Now)
            ON CONFLICT (id) DO UPDATE SET description = excluded.description, spec_yaml = excluded.spec_yaml, spec_origin = excluded.spec_origin,
                source_id = COALESCE(ds_datasets.source_id, excluded.source_id), source_publisher = excluded.source_publisher,
                source_title = excluded.source_title, source_url = excluded.source_url, updated_at = excluded.updated_at
            """,
            new
            {
                Id = DatasetId, spec.Description, _upload.SourceId, spec.Source?.Publisher, spec.Source?.Title, spec.Source?.Url,
                spec.Yaml, spec.Origin, Now = now,
            }, tx);
        foreach (var table in _filings.Values.Select(f => f.Table).Distinct())
        {
            await connection.ExecuteAsync(
                "INSERT INTO ds_tables (dataset_id, name, physical_name, columns) VALUES (@Dataset, @Name, @Physical, @Columns) ON CONFLICT (dataset_id, name) DO NOTHING",
                new { Dataset = DatasetId, table.Spec.Name, Physical = table.Name, Columns = table.Signature }, tx);
        }

        var vintages = new VintageSwitch(connection, tx, DatasetId, _loadId, _upload, sha, now);
        var touched = await vintages.AssignAsync(_filings.Values.ToList(), vintageFindings, cancellationToken);
        foreach (var table in touched.Select(t => t.Table).Distinct())
        {
            await CrossVintageChecks.RunAsync(connection, tx, DatasetId, table, cancellationToken);
            await MetricStore.MaterialiseAsync(connection, tx, DatasetId, table, touched.Where(t => t.Table == table && t.IsNew).Select(t => t.VintageId).ToList(), cancellationToken);
        }

        var findings = new List<Finding>(_loadFindings);
        foreach (var (code, (count, example)) in _quarantineCodes.OrderByDescending(q => q.Value.Count))
        {
            findings.Add(new Finding(FindingSeverity.Error, code,
                $"{count:N0} row(s) were quarantined ({code}); see the quarantine list for each row.", count,
                $"{(example.Sheet is null ? "" : $"sheet '{example.Sheet}', ")}row {example.RowNumber}{(example.Column is null ? "" : $", column '{example.Column}'")}: {example.Reason}",
                example.Table, null));
        }

        foreach (var f in findings)
        {
            await InsertFindingAsync(connection, tx, DatasetId, _loadId, null, "load", f);
        }

        findings.AddRange(await vintages.FindingsOfAsync(touched.Select(t => t.VintageId).Distinct().ToList()));
        var snapshotId = _upload.SnapshotIdIsContentHash ? sha : _upload.SnapshotId;
        var summary = new LoadSummary(DatasetId, DatasetId, _loadId, snapshotId, sha,
            touched.Select(t => t.Label).Distinct().ToList(), _filings.Values.Select(f => f.Table.Spec.Name).Distinct().ToList(),
            _rowsRead, _rowsStored, _rowsQuarantined, _blankRows, false,
            findings.OrderByDescending(f => f.Severity).ThenBy(f => f.Code, StringComparer.Ordinal).ThenBy(f => f.Vintage, StringComparer.Ordinal).ToList(),
            _inferredYaml);
        await connection.ExecuteAsync(
            """
            INSERT INTO ds_loads (id, dataset_id, file_name, format, content_sha256, snapshot_id, byte_count, rows_read, rows_stored, rows_quarantined, blank_rows, started_at, completed_at, summary)
            VALUES (@Id, @Dataset, @File, @Format, @Sha, @Snapshot, @Bytes, @Read, @Stored, @Quarantined, @Blank, @Started, @Now, @Summary)
            """,
            new
            {
                Id = _loadId, Dataset = DatasetId, File = _upload.FileName, Format = format.ToString().ToLowerInvariant(), Sha = sha, Snapshot = snapshotId,
                Bytes = _input!.BytesRead, Read = _rowsRead, Stored = _rowsStored, Quarantined = _rowsQuarantined, Blank = _blankRows,
                Started = _startedAt, Now = now, Summary = JsonSerializer.Serialize(summary, Json.Options),
            }, tx);
        await connection.ExecuteAsync("DELETE FROM ds_staging WHERE load_id = @Id", new { Id = _loadId }, tx);
        await tx.CommitAsync(cancellationToken);
        return summary;
    }

    internal static Task InsertFindingAsync(DbConnection connection, DbTransaction tx, string datasetId, string? loadId, string? vintageId, string scope, Finding f) =>
        connection.ExecuteAsync(
            """
            INSERT INTO ds_findings (dataset_id, table_name, vintage_id, load_id, scope, severity, code, message, row_count, example)
            VALUES (@Dataset, @Table, @Vintage, @Load, @Scope, @Severity, @Code, @Message, @Rows, @Example)
            """,
            new { Dataset = datasetId, f.Table, Vintage = vintageId, Load = loadId, Scope = scope, Severity = (int)f.Severity, f.Code, f.Message, Rows = f.RowCount, f.Example },
            tx);
}
