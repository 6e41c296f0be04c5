using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Tally.Datasets;
using Tally.Datasets.Reading;
using Tally.Datasets.Specs;
using Tally.Fuzz.Tests.Engine;
using Tally.Storage;
using Xunit.Abstractions;

namespace Tally.Fuzz.Tests.Targets;

/// <summary>
/// The dataset readers as an upload meets them: CSV/TSV (CsvRowReader, every row read) and XLSX (ZipGuard, then
/// ExcelDataReader through XlsxRowReader), then spec inference over the first rows (DatasetEngine.InferSpecAsync),
/// whose YAML must parse back. Clean errors: DatasetFormatException and DatasetLimitException from the readers,
/// DatasetException from the engine (INVALID_ARGUMENT / RESOURCE_EXHAUSTED), each with a message.
/// </summary>
public sealed class DatasetFileFuzzTests(ITestOutputHelper output)
{
    /// <summary>Small limits, so that cell, row-width and zip-bomb limits are reached by small inputs.</summary>
    private static readonly ReaderLimits Limits = new()
    {
        MaxBytes = 8L << 20,
        MaxRows = 100_000,
        MaxCellChars = 4096,
        MaxCells = 256,
        MaxXlsxEntryBytes = 4L << 20,
        MaxXlsxUncompressedBytes = 6L << 20,
        MaxXlsxCompressionRatio = 100,
        MaxHeaderSearchRows = 20,
    };

    /// <summary>InferSpecAsync reads no database; the engine wants one all the same (a SQLite file that is never opened).</summary>
    private static DatasetEngine Engine(ServiceDatabase db) => new(db, new DatasetEngineOptions
    {
        MaxBytes = Limits.MaxBytes, MaxCellChars = Limits.MaxCellChars, MaxXlsxEntryBytes = Limits.MaxXlsxEntryBytes,
        MaxXlsxUncompressedBytes = Limits.MaxXlsxUncompressedBytes, MaxXlsxCompressionRatio = Limits.MaxXlsxCompressionRatio,
        MaxHeaderSearchRows = Limits.MaxHeaderSearchRows, InferSampleRows = 200,
    });

    private static ServiceDatabase Database() =>
        new("datasets", new StorageOptions { Provider = "sqlite", DataDirectory = DataDirectory });

    private static readonly string DataDirectory = Path.Combine(Path.GetTempPath(), "tally-fuzz-datasets-" + Environment.ProcessId);

    private static void RemoveDataDirectory()
    {
        if (Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
    }

    private static readonly string[] CsvSeeds =
    [
        "fiscal_year,criminality,n_removals,pull_date\n2024,Convicted Criminal,\"88,763\",2024-10-01\n2024,Total,271484,2024-10-01\n2023,Total,142580,2023-10-02\n",
        "\uFEFFrelease_reason;criminality;month;n_book_outs\r\nBonded Out;Total;Oct;1 234\r\n\"Order of \"\"Supervision\"\"\";;Nov;\r\n",
        "ICE Detention Statistics\nFY2024 (as of 2024-07-21)\n\nagency\tadp\tdate\nICE\t37,000.5\t07/21/2024\nCBP\t-12\t2/29/2024\n",
        "a|b|c\n1|2|3\n\"multi\nline\"|x|\"unclosed\n",
        "id,value\n1,1e308\n2,NaN\n3,-0\n4,=SUM(A1:A2)\n5,+1\n6,@x\n7,9223372036854775808\n",
    ];

    private static readonly Dictionary CsvTokens = Dictionary.Of(
        [",", ";", "\t", "|", "\"", "\"\"", "\r\n", "\n", "\r", "\uFEFF", "=", "+", "-", "@", "1,234", "1.234,5", "2024-10-01", "10/01/2024", "2/30/2024",
         "FY2024", "Total", "TRUE", "n/a", "-", "(D)", "*", "…", "1e308", "NaN", "Infinity", "0x10", "١٢٣", "fiscal_year", "pull_date", "criminality"],
        ("\"", "\""), (",", ""), ("\n", ""));

    [Fact]
    public async Task Csv_AnyBytes_RowsOrCleanError()
    {
        await using var db = Database();
        var engine = Engine(db);
        var target = new FuzzTarget
        {
            Name = "csv",
            Seeds = [.. CsvSeeds.Select(Oddities.Utf8), .. RepoPaths.SharedSeeds("data", "*.csv", 6 * 1024, 6)],
            Dictionary = CsvTokens,
            IsText = true,
            Cost = 1.5,
            Run = async (input, cancellationToken) =>
            {
                await ReadAllCsvAsync(input, preferTab: input.Length % 2 == 0, cancellationToken);
                await InferAsync(engine, input, "fuzz.csv", cancellationToken);
            },
            Classify = Classify,
        };
        try
        {
            var ran = await new FuzzRunner(target, output).RunAsync();
            Assert.True(ran > target.Seeds.Count, $"fuzz {target.Name}: only the {target.Seeds.Count} seed inputs ran, no mutated or generated one");
        }
        finally
        {
            RemoveDataDirectory();
        }
    }

    [Fact]
    public async Task Xlsx_AnyBytes_RowsOrCleanError()
    {
        await using var db = Database();
        var engine = Engine(db);
        var target = new FuzzTarget
        {
            Name = "xlsx",
            Seeds = XlsxSeeds(),
            Dictionary = Dictionary.Of(["PK\u0003\u0004", "PK\u0001\u0002", "PK\u0005\u0006", "<", ">", "\"", "&amp;", "&#0;", "r=\"", "t=\"s\"", "t=\"inlineStr\""],
                ("<row>", "</row>")),
            Mutate = MutateWorkbook,
            PlainOneIn = 4, // three mutants in four stay valid zips, so that ExcelDataReader, not the zip checks, meets them
            IsText = false,
            Cost = 2,
            Run = async (input, cancellationToken) =>
            {
                await ReadAllXlsxAsync(input, cancellationToken);
                await InferAsync(engine, input, "fuzz.xlsx", cancellationToken);
            },
            Classify = Classify,
        };
        try
        {
            var ran = await new FuzzRunner(target, output).RunAsync();
            Assert.True(ran > target.Seeds.Count, $"fuzz {target.Name}: only the {target.Seeds.Count} seed inputs ran, no mutated or generated one");
        }
        finally
        {
            RemoveDataDirectory();
        }
    }

    private static string? Classify(Exception e) =>
        Clean.Only(e, typeof(DatasetFormatException), typeof(DatasetLimitException), typeof(DatasetException));

    private static async Task ReadAllCsvAsync(byte[] input, bool preferTab, CancellationToken cancellationToken)
    {
        await using var counting = new CountingStream(new MemoryStream(input, writable: false), Limits.MaxBytes);
        await using var reader = await CsvRowReader.OpenAsync(counting, null, preferTab, Limits, cancellationToken);
        await CheckRowsAsync(reader, cancellationToken);
    }

    private static async Task ReadAllXlsxAsync(byte[] input, CancellationToken cancellationToken)
    {
        using var workbook = new MemoryStream(input, writable: false);
        ZipGuard.Check(workbook, Limits, "fuzz.xlsx");
        await using var reader = XlsxRowReader.Open(workbook);
        await CheckRowsAsync(reader, cancellationToken);
    }

    /// <summary>Reads every row; rows never exceed the cell limit, row numbers never go back within a sheet, a problem has a code.</summary>
    private static async Task CheckRowsAsync(IRowReader reader, CancellationToken cancellationToken)
    {
        long rows = 0, last = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            if (++rows > Limits.MaxRows)
            {
                break;
            }
            if (reader.CellCount > Limits.MaxCells && reader is CsvRowReader)
            {
                throw new OracleViolation($"row {reader.RowNumber} has {reader.CellCount} cells, over the limit of {Limits.MaxCells}");
            }
            if (reader.RowNumber < (reader.StartsSheet ? 1 : last))
            {
                throw new OracleViolation($"row number went back from {last} to {reader.RowNumber}");
            }
            if ((reader.Problem is null) != (reader.ProblemCode is null))
            {
                throw new OracleViolation($"row {reader.RowNumber}: problem '{reader.Problem}' with code '{reader.ProblemCode}'");
            }
            last = reader.RowNumber;
            for (var i = 0; i < reader.CellCount; i++)
            {
                if (reader.Cell(i).Length > Limits.MaxCellChars && reader is CsvRowReader)
                {
                    throw new OracleViolation($"row {reader.RowNumber} cell {i + 1} has {reader.Cell(i).Length} characters, over the limit");
                }
            }
        }
    }

    /// <summary>Spec inference over the first rows: its YAML, when there is one, must be a valid spec.</summary>
    private static async Task InferAsync(DatasetEngine engine, byte[] input, string fileName, CancellationToken cancellationToken)
    {
        using var content = new MemoryStream(input, writable: false);
        var report = await engine.InferSpecAsync(content, fileName, cancellationToken: cancellationToken);
        try
        {
            DatasetSpecParser.Parse(report.SpecYaml, "(inferred)");
        }
        catch (DatasetSpecException e)
        {
            throw new OracleViolation($"the inferred spec does not parse: {e.Message}\n{report.SpecYaml}");
        }
    }

    // ---------------------------------------------------------------- workbooks

    private const string Main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";

    /// <summary>Small workbooks written here: inline and shared strings, numbers, a date style, two sheets, a banner row.</summary>
    private static List<byte[]> XlsxSeeds() =>
    [
        Workbook(
            ("Removals", """<row r="1"><c r="A1" t="inlineStr"><is><t>fiscal_year</t></is></c><c r="B1" t="s"><v>0</v></c><c r="C1" t="s"><v>1</v></c></row>""" +
                         """<row r="2"><c r="A2"><v>2024</v></c><c r="B2"><v>271484</v></c><c r="C2" s="1"><v>45566</v></c></row>""" +
                         """<row r="3"><c r="A3"><v>2023</v></c><c r="B3"><v>142580.5</v></c><c r="C3" t="b"><v>1</v></c></row>"""),
            ("Notes", """<row r="2"><c r="A2" t="str"><v>as of 2024-07-21</v></c></row><row r="5"><c r="D5" t="e"><v>#N/A</v></c></row>""")),
        Workbook(("Sheet1", """<row r="1"><c r="A1" t="inlineStr"><is><t>ICE detention</t></is></c></row><row r="3"><c r="A3" t="inlineStr"><is><t>agency</t></is></c><c r="B3" t="inlineStr"><is><t>adp</t></is></c></row><row r="4"><c r="A4" t="inlineStr"><is><t>ICE</t></is></c><c r="B4"><v>37000</v></c></row>""")),
        Workbook(("Empty", "")),
    ];

    private static byte[] Workbook(params (string Name, string Rows)[] sheets)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            Add(zip, "[Content_Types].xml",
                """<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>""");
            Add(zip, "_rels/.rels",
                """<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>""");
            Add(zip, "xl/workbook.xml",
                $"""<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{Main}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>""" +
                string.Concat(sheets.Select((s, i) => $"""<sheet name="{s.Name}" sheetId="{i + 1}" r:id="rId{i + 1}"/>""")) + "</sheets></workbook>");
            Add(zip, "xl/_rels/workbook.xml.rels",
                """<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">""" +
                string.Concat(sheets.Select((_, i) => $"""<Relationship Id="rId{i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i + 1}.xml"/>""")) +
                $"""<Relationship Id="rId{sheets.Length + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>""" +
                $"""<Relationship Id="rId{sheets.Length + 2}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>""");
            Add(zip, "xl/sharedStrings.xml",
                $"""<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{Main}" count="2" uniqueCount="2"><si><t>n_removals</t></si><si><r><t>pull_</t></r><r><t>date</t></r></si></sst>""");
            Add(zip, "xl/styles.xml",
                $"""<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{Main}"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\-mm\-dd"/></numFmts><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="164" applyNumberFormat="1"/></cellXfs></styleSheet>""");
            for (var i = 0; i < sheets.Length; i++)
            {
                Add(zip, $"xl/worksheets/sheet{i + 1}.xml",
                    $"""<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{Main}"><dimension ref="A1:D5"/><sheetData>{sheets[i].Rows}</sheetData></worksheet>""");
            }
        }
        return ms.ToArray();
    }

    private static void Add(ZipArchive zip, string name, string text) => Add(zip, name, Encoding.UTF8.GetBytes(text), CompressionLevel.Fastest);

    private static void Add(ZipArchive zip, string name, byte[] content, CompressionLevel level)
    {
        using var stream = zip.CreateEntry(name, level).Open();
        stream.Write(content);
    }

    /// <summary>
    /// Workbook-aware mutations: mutate the XML of one part and zip it again (reaches ExcelDataReader instead of the
    /// zip checks), drop or duplicate a part, swap in a zip bomb (a part far over the limits, or one whose declared
    /// size lies), truncate the archive, or entity-expansion XML.
    /// </summary>
    private static byte[] MutateWorkbook(byte[] input, FuzzRandom rng, IReadOnlyList<byte[]> corpus)
    {
        List<(string Name, byte[] Content)> parts;
        try
        {
            using var zip = new ZipArchive(new MemoryStream(input, writable: false), ZipArchiveMode.Read);
            parts = zip.Entries.Select(e =>
            {
                using var s = e.Open();
                using var copy = new MemoryStream();
                s.CopyTo(copy);
                return (e.FullName, copy.ToArray());
            }).ToList();
        }
        catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException)
        {
            return input.Length > 1 ? input[..rng.Next(1, input.Length)] : input; // not a readable zip any more: truncate it
        }
        if (parts.Count == 0)
        {
            return input;
        }

        var index = rng.Next(parts.Count);
        var sizeLie = false;
        switch (rng.Next(10))
        {
            case 0:
                parts.RemoveAt(index);
                break;
            case 1:
                parts.Add(parts[index]);
                break;
            case 2:
                // A bomb: megabytes of one byte, compressing a thousand times over, in place of a part.
                parts[index] = (parts[index].Name, new byte[rng.OneIn(2) ? (int)Limits.MaxXlsxEntryBytes + 1024 : 2 << 20]);
                break;
            case 3:
                // Billion laughs: nested entities (the XML reader must refuse the DTD or cap the expansion).
                parts[index] = (parts[index].Name, Encoding.UTF8.GetBytes(
                    """<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">]>""" +
                    $"""<worksheet xmlns="{Main}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&f;</t></is></c></row></sheetData></worksheet>"""));
                break;
            case 4:
                sizeLie = true;
                break;
            default:
                var tokens = Dictionary.Of(["<row>", "</row>", "<c r=\"A1\">", "</c>", "<v>", "</v>", " t=\"s\"", " t=\"inlineStr\"", " t=\"d\"", " t=\"e\"",
                    " s=\"1\"", " s=\"99\"", " r=\"XFD1048577\"", " r=\"A0\"", " r=\"ZZZZZZZZ1\"", " r=\"-1\"", "<is><t>", "</t></is>", "<f>SUM(A1)</f>",
                    "<mergeCell ref=\"A1:XFD1048576\"/>", "<dimension ref=\"A1:XFD1048576\"/>", " numFmtId=\"14\"", " formatCode=\"[$-409]d/m/yyyy\"",
                    "&#x0;", "&#xFFFF;", "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>", "&e;", "45566", "-1", "1e308", "NaN", "2958466"],
                    ("<row>", "</row>"), ("<c>", "</c>"), ("<is><r><t>", "</t></r></is>"));
                parts[index] = (parts[index].Name, new Mutator(rng, tokens, 256 * 1024).Mutate(parts[index].Content, corpus));
                break;
        }

        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in parts)
            {
                Add(zip, name, content, content.Length > 1 << 20 ? CompressionLevel.SmallestSize : CompressionLevel.Fastest);
            }
        }
        var bytes = ms.ToArray();
        return sizeLie ? LieAboutSizes(bytes, rng) : bytes;
    }

    /// <summary>Rewrites the declared uncompressed size of every entry (local header and central directory) to a small number.</summary>
    private static byte[] LieAboutSizes(byte[] zip, FuzzRandom rng)
    {
        var size = (uint)rng.Next(0, 64);
        for (var i = 0; i + 46 <= zip.Length; i++)
        {
            var signature = BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(i));
            if (signature == 0x04034b50 && i + 30 <= zip.Length)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(zip.AsSpan(i + 22), size);
            }
            else if (signature == 0x02014b50)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(zip.AsSpan(i + 24), size);
            }
        }
        return zip;
    }
}
