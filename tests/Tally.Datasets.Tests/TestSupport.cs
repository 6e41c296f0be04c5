using System.Globalization;
using System.IO.Compression;
using System.Text;
using Dapper;
using Microsoft.Data.Sqlite;
using Tally.Datasets.Storage;
using Tally.Storage;

namespace Tally.Datasets.Tests;

/// <summary>The repository (directory holding Platform.sln) and ../shared/data next to it.</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> Root = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Platform.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Platform.sln above {AppContext.BaseDirectory}; run the tests from the repository.");
    });

    public static string RepoRoot => Root.Value;

    public static string DatasetSpecs => Path.Combine(RepoRoot, "catalog", "datasets");

    /// <summary>../shared/data/ice-detention-stats, or null when absent.</summary>
    public static string? IceStats
    {
        get
        {
            var dir = Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "data", "ice-detention-stats"));
            return Directory.Exists(dir) ? dir : null;
        }
    }
}

/// <summary>A fact that needs ../shared/data (real ICE statistics); skipped, saying so, when it is absent.</summary>
public sealed class SharedDataFactAttribute : FactAttribute
{
    public SharedDataFactAttribute()
    {
        if (RepoPaths.IceStats is null)
        {
            Skip = "../shared/data/ice-detention-stats (next to the repository) is absent, so the real ICE detention statistics cannot be loaded here.";
        }
    }
}

/// <summary>A fact that needs PostgreSQL (TALLY_TEST_POSTGRES); skipped, saying so, when it is not configured.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("TALLY_TEST_POSTGRES")))
        {
            Skip = "TALLY_TEST_POSTGRES is not set (run scripts/infra-up.sh and source /tmp/tally-infra/env): the PostgreSQL variants of the dataset tests did not run.";
        }
    }
}

/// <summary>Dialects to run integration tests on: SQLite always, PostgreSQL when TALLY_TEST_POSTGRES is set.</summary>
public static class Dialects
{
    public static TheoryData<string> All
    {
        get
        {
            var data = new TheoryData<string> { "sqlite" };
            if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("TALLY_TEST_POSTGRES")))
            {
                data.Add("postgres");
            }

            return data;
        }
    }
}

/// <summary>
/// A fresh engine over a throwaway database: a SQLite file in a temp folder ("sqlite"), a shared in-memory SQLite
/// database ("sqlite-memory"), or a PostgreSQL schema of its own ("postgres").
/// </summary>
internal sealed class TestDb : IAsyncDisposable
{
    private readonly string? _dir;

    private TestDb(ServiceDatabase db, DatasetEngine engine, string? dir)
    {
        Database = db;
        Engine = engine;
        _dir = dir;
    }

    public ServiceDatabase Database { get; }

    public DatasetEngine Engine { get; }

    public static async Task<TestDb> CreateAsync(string dialect, DatasetEngineOptions? options = null)
    {
        // Small hand-overs: the tests' small files cross many blocks between a load's reading, converting and storing tasks.
        options ??= new DatasetEngineOptions { ProgressIntervalMs = 0, BatchRows = 1000, HandOverRows = 16 };
        ServiceDatabase db;
        string? dir = null;
        if (dialect == "sqlite-memory")
        {
            db = new ServiceDatabase("datasets", new StorageOptions { Provider = "sqlite", InMemory = true }, DatasetMigrations.SqlitePageSize);
        }
        else if (dialect == "sqlite")
        {
            dir = Path.Combine(Path.GetTempPath(), "tally-datasets-tests", Guid.NewGuid().ToString("N"));
            db = new ServiceDatabase("datasets", new StorageOptions { Provider = "sqlite", DataDirectory = dir }, DatasetMigrations.SqlitePageSize);
        }
        else
        {
            var cs = Environment.GetEnvironmentVariable("TALLY_TEST_POSTGRES")
                ?? throw new InvalidOperationException("TALLY_TEST_POSTGRES is not set.");
            db = new ServiceDatabase("dstest_" + Guid.NewGuid().ToString("N")[..12], new StorageOptions { Provider = "postgres", ConnectionString = cs });
        }

        var engine = new DatasetEngine(db, options);
        await engine.MigrateAsync();
        return new TestDb(db, engine, dir);
    }

    public async Task<long> ScalarAsync(string sql, object? args = null)
    {
        await using var c = await Database.OpenAsync();
        return await c.ExecuteScalarAsync<long>(sql, args);
    }

    public async ValueTask DisposeAsync()
    {
        if (Database.Dialect == SqlDialect.Postgres)
        {
            await using (var c = await Database.OpenAsync())
            {
                await c.ExecuteAsync($"DROP SCHEMA IF EXISTS \"{Database.Owner}\" CASCADE");
            }
        }

        await Database.DisposeAsync();
        if (_dir is not null)
        {
            SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(_dir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}

/// <summary>Records progress reports synchronously (Progress&lt;T&gt; would post them to the thread pool).</summary>
internal sealed class ProgressLog : IProgress<LoadProgress>
{
    public List<LoadProgress> Reports { get; } = [];

    public void Report(LoadProgress value)
    {
        lock (Reports)
        {
            Reports.Add(value);
        }
    }
}

/// <summary>A stream that serves bytes, then throws (to fail a load midway) or cancels a token at a position.</summary>
internal sealed class InterruptingStream(byte[] content, long stopAt, Action onStop) : Stream
{
    private long _position;
    private bool _stopped;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => content.Length;
    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        if (_position >= stopAt && !_stopped)
        {
            _stopped = true;
            onStop();
        }

        var n = (int)Math.Min(Math.Min(count, 4096), content.Length - _position);
        if (n <= 0)
        {
            return 0;
        }

        Array.Copy(content, _position, buffer, offset, n);
        _position += n;
        return n;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>Writes minimal .xlsx workbooks (inline strings and numbers), enough for ExcelDataReader.</summary>
internal static class Xlsx
{
    public static byte[] Build(params (string Name, IReadOnlyList<object?[]> Rows)[] sheets)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            Add(zip, "[Content_Types].xml",
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">" +
                "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/>" +
                "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>" +
                string.Concat(sheets.Select((_, i) => $"<Override PartName=\"/xl/worksheets/sheet{i + 1}.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>")) +
                "</Types>");
            Add(zip, "_rels/.rels",
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">" +
                "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>");
            Add(zip, "xl/workbook.xml",
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets>" +
                string.Concat(sheets.Select((s, i) => $"<sheet name=\"{Escape(s.Name)}\" sheetId=\"{i + 1}\" r:id=\"rId{i + 1}\"/>")) + "</sheets></workbook>");
            Add(zip, "xl/_rels/workbook.xml.rels",
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">" +
                string.Concat(sheets.Select((_, i) => $"<Relationship Id=\"rId{i + 1}\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet{i + 1}.xml\"/>")) +
                "</Relationships>");
            for (var s = 0; s < sheets.Length; s++)
            {
                var xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>");
                for (var r = 0; r < sheets[s].Rows.Count; r++)
                {
                    var row = sheets[s].Rows[r];
                    if (row.Length == 0)
                    {
                        continue; // an empty row is simply absent from the sheet XML
                    }

                    xml.Append(CultureInfo.InvariantCulture, $"<row r=\"{r + 1}\">");
                    for (var c = 0; c < row.Length; c++)
                    {
                        var cell = $"{(char)('A' + c)}{r + 1}";
                        switch (row[c])
                        {
                            case null:
                                break;
                            case string text:
                                xml.Append(CultureInfo.InvariantCulture, $"<c r=\"{cell}\" t=\"inlineStr\"><is><t>{Escape(text)}</t></is></c>");
                                break;
                            case IFormattable number:
                                xml.Append(CultureInfo.InvariantCulture, $"<c r=\"{cell}\"><v>{number.ToString(null, CultureInfo.InvariantCulture)}</v></c>");
                                break;
                        }
                    }

                    xml.Append("</row>");
                }

                xml.Append("</sheetData></worksheet>");
                Add(zip, $"xl/worksheets/sheet{s + 1}.xml", xml.ToString());
            }
        }

        return ms.ToArray();
    }

    private static void Add(ZipArchive zip, string name, string text)
    {
        using var w = new StreamWriter(zip.CreateEntry(name).Open(), new UTF8Encoding(false));
        w.Write(text);
    }

    /// <summary>A "workbook" whose sheet inflates from a few KiB to <paramref name="inflatedBytes"/>.</summary>
    public static byte[] Bomb(int inflatedBytes)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            Add(zip, "xl/workbook.xml", "<workbook/>");
            using var s = zip.CreateEntry("xl/worksheets/sheet1.xml", CompressionLevel.SmallestSize).Open();
            var block = new byte[1 << 16];
            Array.Fill(block, (byte)' ');
            for (var written = 0; written < inflatedBytes; written += block.Length)
            {
                s.Write(block, 0, Math.Min(block.Length, inflatedBytes - written));
            }
        }

        return ms.ToArray();
    }

    private static string Escape(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal).Replace("\"", "&quot;", StringComparison.Ordinal);
}
