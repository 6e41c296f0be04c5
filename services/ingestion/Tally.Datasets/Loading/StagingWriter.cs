using System.Buffers.Binary;
using System.Data.Common;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;
using SQLitePCL;
using Tally.Datasets.Specs;
using Tally.Datasets.Storage;
using Tally.Storage;

namespace Tally.Datasets.Loading;

/// <summary>A row set aside, as written to ds_quarantine.</summary>
internal sealed record QuarantineEntry(
    string DatasetId, string? Table, string LoadId, string FileName, string? Sheet, long RowNumber, string? Column, string Code, string Reason, string Raw);

/// <summary>
/// Writes staged rows and quarantined rows. Staged rows are invisible until the load's vintages are switched in
/// (queries read rows through ds_vintages.filing_id), so batches may be committed as they fill.
/// </summary>
internal interface IStagingWriter : IAsyncDisposable
{
    ValueTask WriteRowAsync(PhysicalTable table, string filingId, string? sheet, long rowNumber, object?[] values, CancellationToken cancellationToken);

    ValueTask QuarantineAsync(QuarantineEntry entry, CancellationToken cancellationToken);

    /// <summary>Commits everything written so far.</summary>
    Task FlushAsync(CancellationToken cancellationToken);
}

internal static class StagingWriter
{
    public static async Task<IStagingWriter> OpenAsync(ServiceDatabase database, int batchRows, CancellationToken cancellationToken) =>
        database.Dialect == SqlDialect.Sqlite
            ? await SqliteStagingWriter.OpenAsync(database, batchRows, cancellationToken)
            : await PostgresStagingWriter.OpenAsync(database, cancellationToken);

    public const string QuarantineInsert =
        "INSERT INTO ds_quarantine (dataset_id, table_name, load_id, file_name, sheet, row_number, column_name, code, reason, raw) " +
        "VALUES (@DatasetId, @Table, @LoadId, @FileName, @Sheet, @RowNumber, @Column, @Code, @Reason, @Raw)";
}

/// <summary>
/// SQLite: a connection of the writer's own, driven through SQLitePCL.raw, with a transaction per batch and one prepared
/// INSERT per table bound by position. The connection is opened SQLITE_OPEN_NOMUTEX: it is only ever used by one task
/// at a time, and the serialized default locks the connection's mutex around every bind and step (about 20 times a row,
/// 5 % of a load's CPU). Microsoft.Data.Sqlite's command binds every parameter by name on every execution and opens a
/// data reader per statement: about a third of the load's CPU at 1M rows, hence the raw API.
/// </summary>
internal sealed class SqliteStagingWriter : IStagingWriter
{
    private readonly sqlite3 _db;
    private readonly int _batchRows;
    private readonly Dictionary<PhysicalTable, RawStatement> _inserts = [];
    private RawStatement? _quarantine;
    private bool _inTransaction;
    private int _pending;

    private SqliteStagingWriter(sqlite3 db, int batchRows)
    {
        _db = db;
        _batchRows = batchRows;
    }

    public static Task<SqliteStagingWriter> OpenAsync(ServiceDatabase database, int batchRows, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var (name, isUri) = database.SqliteOpenName ?? throw new InvalidOperationException("not a SQLite database");
        var flags = raw.SQLITE_OPEN_READWRITE | raw.SQLITE_OPEN_NOMUTEX | (isUri ? raw.SQLITE_OPEN_URI : 0);
        var rc = raw.sqlite3_open_v2(name, out var db, flags, null);
        try
        {
            Check(rc, db);
            Check(raw.sqlite3_busy_timeout(db, ServiceDatabase.SqliteBusyTimeoutMs), db);
            // WAL (a property of the engine's own database file) lets queries read the switched-in vintages while a
            // load stages; NORMAL sync is safe with WAL and staged rows are invisible until the switch anyway.
            Exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
        }
        catch
        {
            db.Dispose();
            throw;
        }

        return Task.FromResult(new SqliteStagingWriter(db, batchRows));
    }

    public ValueTask WriteRowAsync(PhysicalTable table, string filingId, string? sheet, long rowNumber, object?[] values, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Begin();
        if (!_inserts.TryGetValue(table, out var insert))
        {
            var columns = new List<string> { PhysicalTable.FilingColumn, PhysicalTable.SheetColumn, PhysicalTable.RowColumn };
            columns.AddRange(table.Spec.Columns.Select(c => c.Name));
            insert = new RawStatement(_db,
                $"INSERT INTO {table.Quoted} ({string.Join(", ", columns.Select(PhysicalTable.Q))}) VALUES ({string.Join(", ", columns.Select((_, i) => "?" + (i + 1)))})");
            _inserts[table] = insert;
        }

        insert.Text(1, filingId);
        insert.TextOrNull(2, sheet);
        insert.Int64(3, rowNumber);
        for (var i = 0; i < values.Length; i++)
        {
            switch (values[i])
            {
                case null: insert.Null(i + 4); break;
                case string text: insert.Text(i + 4, text); break;
                case long l: insert.Int64(i + 4, l); break;
                case double d: insert.Double(i + 4, d); break;
                default: throw new InvalidOperationException($"cannot stage a {values[i]!.GetType().Name}");
            }
        }

        insert.Execute();
        Counted();
        return ValueTask.CompletedTask;
    }

    public ValueTask QuarantineAsync(QuarantineEntry entry, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Begin();
        var q = _quarantine ??= new RawStatement(_db,
            "INSERT INTO ds_quarantine (dataset_id, table_name, load_id, file_name, sheet, row_number, column_name, code, reason, raw) " +
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
        q.Text(1, entry.DatasetId);
        q.TextOrNull(2, entry.Table);
        q.Text(3, entry.LoadId);
        q.Text(4, entry.FileName);
        q.TextOrNull(5, entry.Sheet);
        q.Int64(6, entry.RowNumber);
        q.TextOrNull(7, entry.Column);
        q.Text(8, entry.Code);
        q.Text(9, entry.Reason);
        q.Text(10, entry.Raw);
        q.Execute();
        Counted();
        return ValueTask.CompletedTask;
    }

    private void Begin()
    {
        if (!_inTransaction)
        {
            Exec(_db, "BEGIN IMMEDIATE");
            _inTransaction = true;
        }
    }

    private void Counted()
    {
        if (++_pending >= _batchRows)
        {
            Commit();
        }
    }

    private void Commit()
    {
        if (_inTransaction)
        {
            Exec(_db, "COMMIT");
            _inTransaction = false;
        }

        _pending = 0;
    }

    public Task FlushAsync(CancellationToken cancellationToken)
    {
        Commit();
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        foreach (var insert in _inserts.Values)
        {
            insert.Dispose();
        }

        _quarantine?.Dispose();
        if (_inTransaction)
        {
            _ = raw.sqlite3_exec(_db, "ROLLBACK"); // an unfinished batch; closing would roll it back too
        }

        _db.Dispose();
        return ValueTask.CompletedTask;
    }

    private static void Exec(sqlite3 db, string sql) => Check(SqliteContention.Retry(() => raw.sqlite3_exec(db, sql)), db);

    internal static void Check(int rc, sqlite3 db)
    {
        if (rc != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(rc, db);
        }
    }
}

/// <summary>
/// PostgreSQL: binary COPY per table (one at a time; sheets are read in order); quarantine on a second connection.
/// The COPY stream is written raw: each row is encoded into a 64 KiB buffer in COPY's binary tuple format (field count,
/// then length and bytes per field; big-endian integers and floats, UTF-8 text) and the buffer is sent when full.
/// NpgsqlBinaryImporter's Write went through an NpgsqlParameter and a state machine per value: most of the client's CPU.
/// </summary>
internal sealed class PostgresStagingWriter : IStagingWriter
{
    private const int FlushAt = 60 << 10;
    private static readonly byte[] Signature = [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xFF, (byte)'\r', (byte)'\n', 0]; // "PGCOPY\n\377\r\n\0"
    private readonly NpgsqlConnection _copyConnection;
    private readonly DbConnection _quarantineConnection;
    private readonly List<QuarantineEntry> _quarantine = [];
    private NpgsqlRawCopyStream? _copy;
    private PhysicalTable? _current;
    private byte[] _buf = new byte[64 << 10];
    private int _len;

    private PostgresStagingWriter(NpgsqlConnection copy, DbConnection quarantine)
    {
        _copyConnection = copy;
        _quarantineConnection = quarantine;
    }

    public static async Task<PostgresStagingWriter> OpenAsync(ServiceDatabase database, CancellationToken cancellationToken)
    {
        var copy = (NpgsqlConnection)await database.OpenAsync(cancellationToken);
        var quarantine = await database.OpenAsync(cancellationToken);
        return new PostgresStagingWriter(copy, quarantine);
    }

    public ValueTask WriteRowAsync(PhysicalTable table, string filingId, string? sheet, long rowNumber, object?[] values, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!ReferenceEquals(_current, table))
        {
            return StartCopyAndWriteAsync(table, filingId, sheet, rowNumber, values, cancellationToken);
        }

        WriteRow(filingId, sheet, rowNumber, values);
        return _len >= FlushAt ? SendAsync(cancellationToken) : ValueTask.CompletedTask;
    }

    private async ValueTask StartCopyAndWriteAsync(PhysicalTable table, string filingId, string? sheet, long rowNumber, object?[] values, CancellationToken cancellationToken)
    {
        await CompleteCopyAsync(cancellationToken);
        var columns = new List<string> { PhysicalTable.FilingColumn, PhysicalTable.SheetColumn, PhysicalTable.RowColumn };
        columns.AddRange(table.Spec.Columns.Select(c => c.Name));
        _copy = await _copyConnection.BeginRawBinaryCopyAsync(
            $"COPY {table.Quoted} ({string.Join(", ", columns.Select(PhysicalTable.Q))}) FROM STDIN (FORMAT BINARY)", cancellationToken);
        _current = table;
        Signature.CopyTo(_buf, 0);
        BinaryPrimitives.WriteInt32BigEndian(_buf.AsSpan(Signature.Length), 0); // flags
        BinaryPrimitives.WriteInt32BigEndian(_buf.AsSpan(Signature.Length + 4), 0); // header extension length
        _len = Signature.Length + 8;
        WriteRow(filingId, sheet, rowNumber, values);
    }

    private void WriteRow(string filingId, string? sheet, long rowNumber, object?[] values)
    {
        Ensure(2);
        BinaryPrimitives.WriteInt16BigEndian(_buf.AsSpan(_len), (short)(values.Length + 3));
        _len += 2;
        Text(filingId);
        if (sheet is null)
        {
            Null();
        }
        else
        {
            Text(sheet);
        }

        Int64(rowNumber);
        foreach (var value in values)
        {
            switch (value)
            {
                case null:
                    Null();
                    break;
                case long l:
                    Int64(l);
                    break;
                case double d:
                    Ensure(12);
                    BinaryPrimitives.WriteInt32BigEndian(_buf.AsSpan(_len), 8);
                    BinaryPrimitives.WriteDoubleBigEndian(_buf.AsSpan(_len + 4), d);
                    _len += 12;
                    break;
                default:
                    Text((string)value);
                    break;
            }
        }
    }

    private void Null()
    {
        Ensure(4);
        BinaryPrimitives.WriteInt32BigEndian(_buf.AsSpan(_len), -1);
        _len += 4;
    }

    private void Int64(long value)
    {
        Ensure(12);
        BinaryPrimitives.WriteInt32BigEndian(_buf.AsSpan(_len), 8);
        BinaryPrimitives.WriteInt64BigEndian(_buf.AsSpan(_len + 4), value);
        _len += 12;
    }

    private void Text(string value)
    {
        Ensure(4 + Encoding.UTF8.GetMaxByteCount(value.Length));
        var n = Encoding.UTF8.GetBytes(value, _buf.AsSpan(_len + 4));
        BinaryPrimitives.WriteInt32BigEndian(_buf.AsSpan(_len), n);
        _len += 4 + n;
    }

    /// <summary>Room for <paramref name="bytes"/> more: the buffer grows for a long cell (rows are sent whole, when the buffer is past FlushAt).</summary>
    private void Ensure(int bytes)
    {
        if (_len + bytes > _buf.Length)
        {
            Array.Resize(ref _buf, Math.Max(_buf.Length * 2, _len + bytes));
        }
    }

    private async ValueTask SendAsync(CancellationToken cancellationToken)
    {
        await _copy!.WriteAsync(_buf.AsMemory(0, _len), cancellationToken);
        _len = 0;
        if (_buf.Length > 1 << 20)
        {
            _buf = new byte[64 << 10]; // a very long cell made it grow; memory stays bounded
        }
    }

    public async ValueTask QuarantineAsync(QuarantineEntry entry, CancellationToken cancellationToken)
    {
        _quarantine.Add(entry);
        if (_quarantine.Count >= 1000)
        {
            await FlushQuarantineAsync(cancellationToken);
        }
    }

    private async Task FlushQuarantineAsync(CancellationToken cancellationToken)
    {
        if (_quarantine.Count == 0)
        {
            return;
        }

        await using var tx = await _quarantineConnection.BeginTransactionAsync(cancellationToken);
        await _quarantineConnection.ExecuteAsync(new CommandDefinition(StagingWriter.QuarantineInsert, _quarantine, tx, cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
        _quarantine.Clear();
    }

    private async Task CompleteCopyAsync(CancellationToken cancellationToken)
    {
        if (_copy is not null)
        {
            Ensure(2);
            BinaryPrimitives.WriteInt16BigEndian(_buf.AsSpan(_len), -1); // trailer
            _len += 2;
            await SendAsync(cancellationToken);
            await _copy.DisposeAsync(); // ends the COPY; the server's errors surface here
            _copy = null;
            _current = null;
        }
    }

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        await CompleteCopyAsync(cancellationToken);
        await FlushQuarantineAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_copy is not null)
        {
            try
            {
                await _copy.CancelAsync(); // not completed: the COPY is cancelled and nothing of it is kept
                await _copy.DisposeAsync();
            }
            catch (Exception e) when (e is NpgsqlException or IOException or InvalidOperationException)
            {
                // the connection is discarded below
            }
        }

        await _copyConnection.DisposeAsync();
        await _quarantineConnection.DisposeAsync();
    }
}

/// <summary>
/// One prepared statement that returns no rows (an INSERT): prepared through SQLitePCL.raw, then bound, stepped and
/// reset by position through direct calls into the same e_sqlite3 library on the statement's raw pointer. SQLitePCL's
/// wrappers take and release the statement's SafeHandle on every call (about 20 calls a row); here the handle is held
/// once for the statement's life. Text is encoded to UTF-8 into a buffer reused for every cell (SQLite copies it:
/// SQLITE_TRANSIENT), so binding allocates nothing. Binds and reset never block, so they skip the GC transition of a
/// P/Invoke; step may wait for a lock or the disk and keeps it.
/// </summary>
internal sealed class RawStatement : IDisposable
{
    private static readonly IntPtr Transient = new(-1);
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _stmt;
    private readonly IntPtr _handle;
    private byte[] _utf8 = new byte[1024];
    private bool _addedRef;

    public RawStatement(sqlite3 db, string sql)
    {
        _db = db;
        sqlite3_stmt? stmt = null;
        var rc = SqliteContention.Retry(() =>
        {
            stmt?.Dispose();
            return raw.sqlite3_prepare_v2(db, sql, out stmt);
        });
        _stmt = stmt!;
        SqliteException.ThrowExceptionForRC(rc, db);
        _stmt.DangerousAddRef(ref _addedRef);
        _handle = _stmt.DangerousGetHandle();
    }

    public void Text(int index, string value)
    {
        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (max > _utf8.Length)
        {
            _utf8 = new byte[Math.Max(max, _utf8.Length * 2)];
        }

        var n = Encoding.UTF8.GetBytes(value, _utf8);
        Check(Native.sqlite3_bind_text(_handle, index, ref _utf8[0], n, Transient));
    }

    public void TextOrNull(int index, string? value)
    {
        if (value is null)
        {
            Null(index);
        }
        else
        {
            Text(index, value);
        }
    }

    public void Int64(int index, long value) => Check(Native.sqlite3_bind_int64(_handle, index, value));

    public void Double(int index, double value) => Check(Native.sqlite3_bind_double(_handle, index, value));

    public void Null(int index) => Check(Native.sqlite3_bind_null(_handle, index));

    public void Execute()
    {
        var rc = Step();
        if (rc != raw.SQLITE_DONE)
        {
            if (SqliteContention.IsContention(rc))
            {
                rc = SqliteContention.Retry(() => Step() is var r && r == raw.SQLITE_DONE ? raw.SQLITE_OK : r);
                if (rc == raw.SQLITE_OK)
                {
                    return;
                }
            }

            SqliteException.ThrowExceptionForRC(rc, _db);
        }
    }

    private int Step()
    {
        var rc = Native.sqlite3_step(_handle);
        _ = Native.sqlite3_reset(_handle); // repeats the step's error (reported by the caller); the bindings stay
        return rc;
    }

    private void Check(int rc) => SqliteStagingWriter.Check(rc, _db);

    public void Dispose()
    {
        if (_addedRef)
        {
            _stmt.DangerousRelease();
            _addedRef = false;
        }

        _stmt.Dispose();
    }

    /// <summary>The e_sqlite3 library that SQLitePCLRaw's bundle ships and has loaded already.</summary>
    private static class Native
    {
        private const string Library = "e_sqlite3";

        [DllImport(Library, ExactSpelling = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        [SuppressGCTransition]
        public static extern int sqlite3_bind_text(IntPtr stmt, int index, ref byte text, int bytes, IntPtr destructor);

        [DllImport(Library, ExactSpelling = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        [SuppressGCTransition]
        public static extern int sqlite3_bind_int64(IntPtr stmt, int index, long value);

        [DllImport(Library, ExactSpelling = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        [SuppressGCTransition]
        public static extern int sqlite3_bind_double(IntPtr stmt, int index, double value);

        [DllImport(Library, ExactSpelling = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        [SuppressGCTransition]
        public static extern int sqlite3_bind_null(IntPtr stmt, int index);

        [DllImport(Library, ExactSpelling = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int sqlite3_step(IntPtr stmt);

        [DllImport(Library, ExactSpelling = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        [SuppressGCTransition]
        public static extern int sqlite3_reset(IntPtr stmt);
    }
}

/// <summary>
/// Waiting out another connection's lock on a raw SQLite connection. busy_timeout covers SQLITE_BUSY on a database file;
/// a shared-cache (in-memory) database reports a table another connection is using as SQLITE_LOCKED at once, with no
/// busy handler. Microsoft.Data.Sqlite retries both until its command timeout; so does this, with the same 30 s.
/// </summary>
internal static class SqliteContention
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>SQLITE_BUSY or SQLITE_LOCKED, including their extended codes (e.g. SQLITE_LOCKED_SHAREDCACHE).</summary>
    public static bool IsContention(int rc) => (rc & 0xFF) is raw.SQLITE_BUSY or raw.SQLITE_LOCKED;

    /// <summary>Calls <paramref name="call"/> until it returns something other than contention, or the timeout passes.</summary>
    public static int Retry(Func<int> call)
    {
        var started = Stopwatch.GetTimestamp();
        var pause = 1;
        while (true)
        {
            var rc = call();
            if (!IsContention(rc) || Stopwatch.GetElapsedTime(started) > Timeout)
            {
                return rc;
            }

            Thread.Sleep(pause);
            pause = Math.Min(pause * 2, 50);
        }
    }
}
