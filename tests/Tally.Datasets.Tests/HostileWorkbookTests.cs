using System.Buffers.Binary;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Tally.Testing;

namespace Tally.Datasets.Tests;

/// <summary>
/// Crafted workbooks: XML entity expansion (billion laughs), external entities (a local listener proves nothing is
/// fetched), and zip archives with too many parts or a lying directory. Each is refused cleanly, nothing is stored.
/// </summary>
public sealed class HostileWorkbookTests
{
    private const string Spec = """
        dataset: hostile
        tables:
          - name: t
            columns:
              - {name: name, header: Name, type: string, required: true}
              - {name: n, header: N, type: int, required: true}
        """;

    private const string Laughs =
        """<!DOCTYPE lolz [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">""" +
        """<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">""" +
        """<!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;"><!ENTITY i "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;">]>""";

    private static DatasetUpload Upload(string file = "hostile.xlsx") => new() { DatasetName = "hostile", FileName = file, SpecYaml = Spec };

    /// <summary>A valid one-sheet workbook whose sheet XML gets <paramref name="doctype"/> after the XML declaration and <paramref name="cell"/> as the first data cell.</summary>
    private static byte[] Workbook(string doctype, string cell, string? sharedStrings = null)
    {
        var sheet = """<?xml version="1.0" encoding="UTF-8"?>""" + doctype +
                    """<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>""" +
                    """<row r="1"><c r="A1" t="inlineStr"><is><t>Name</t></is></c><c r="B1" t="inlineStr"><is><t>N</t></is></c></row>""" +
                    $"""<row r="2"><c r="A2" t="inlineStr"><is><t>{cell}</t></is></c><c r="B2"><v>1</v></c></row>""" +
                    "</sheetData></worksheet>";
        var parts = new Dictionary<string, string>
        {
            ["[Content_Types].xml"] = """<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>""",
            ["_rels/.rels"] = """<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>""",
            ["xl/workbook.xml"] = """<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>""",
            ["xl/_rels/workbook.xml.rels"] = """<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>""" +
                (sharedStrings is null ? "" : """<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>""") + "</Relationships>",
            ["xl/worksheets/sheet1.xml"] = sheet,
        };
        if (sharedStrings is not null)
        {
            parts["xl/sharedStrings.xml"] = sharedStrings;
        }

        return Zip(parts);
    }

    private static byte[] Zip(IEnumerable<KeyValuePair<string, string>> parts)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, text) in parts)
            {
                using var w = new StreamWriter(zip.CreateEntry(name).Open(), new UTF8Encoding(false));
                w.Write(text);
            }
        }

        return ms.ToArray();
    }

    [Fact]
    public async Task PlainWorkbook_Loads_SoTheRefusalsBelowAreAboutTheirCraft()
    {
        await using var db = await TestDb.CreateAsync("sqlite");

        var summary = await db.Engine.LoadAsync(Upload(), new MemoryStream(Workbook("", "Atlanta")));

        Assert.Equal(1, summary.RowsStored);
    }

    [Theory]
    [MemberData(nameof(Dialects.All), MemberType = typeof(Dialects))]
    public async Task BillionLaughsInSheetXml_RefusedAsInvalid_NothingStored(string dialect)
    {
        await using var db = await TestDb.CreateAsync(dialect);

        var e = await Assert.ThrowsAsync<DatasetException>(() => db.Engine.LoadAsync(Upload(), new MemoryStream(Workbook(Laughs, "&i;"))));

        Assert.Equal(DatasetErrorKind.InvalidArgument, e.Kind);
        Assert.Contains("cannot be read", e.Message, StringComparison.Ordinal);
        Assert.Contains("DTD is prohibited", e.Message, StringComparison.Ordinal); // the parser refuses the DOCTYPE before expanding anything
        Assert.Empty(await db.Engine.ListDatasetsAsync());
    }

    [Fact]
    public async Task BillionLaughsInSharedStrings_RefusedAsInvalid()
    {
        await using var db = await TestDb.CreateAsync("sqlite");
        var strings = """<?xml version="1.0" encoding="UTF-8"?>""" + Laughs +
                      """<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>&i;</t></si></sst>""";

        var e = await Assert.ThrowsAsync<DatasetException>(() => db.Engine.LoadAsync(Upload(), new MemoryStream(Workbook("", "x", strings))));

        Assert.Equal(DatasetErrorKind.InvalidArgument, e.Kind);
        Assert.Empty(await db.Engine.ListDatasetsAsync());
    }

    [Fact]
    public async Task ExternalEntities_NeverFetchedNorRead_Refused()
    {
        await using var listener = new ConnectionCounter();
        await using var db = await TestDb.CreateAsync("sqlite");
        var http = Workbook($"""<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "{listener.Url}xxe">]>""", "&xxe;");
        var parameter = Workbook($"""<!DOCTYPE worksheet [<!ENTITY % remote SYSTEM "{listener.Url}dtd"> %remote;]>""", "x");
        var file = Workbook("""<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>""", "&xxe;");

        var e1 = await Assert.ThrowsAsync<DatasetException>(() => db.Engine.LoadAsync(Upload(), new MemoryStream(http)));
        var e2 = await Assert.ThrowsAsync<DatasetException>(() => db.Engine.LoadAsync(Upload(), new MemoryStream(parameter)));
        var e3 = await Assert.ThrowsAsync<DatasetException>(() => db.Engine.LoadAsync(Upload(), new MemoryStream(file)));

        Assert.All([e1, e2, e3], e => Assert.Equal(DatasetErrorKind.InvalidArgument, e.Kind));
        Assert.All([e1, e2, e3], e => Assert.Contains("DTD is prohibited", e.Message, StringComparison.Ordinal));
        Assert.Equal(0, listener.Connections);
        Assert.Empty(await db.Engine.ListDatasetsAsync());
    }

    [Fact]
    public async Task ManyParts_RefusedFromTheDirectoryRecord_BeforeTheArchiveIsRead()
    {
        await using var db = await TestDb.CreateAsync("sqlite", new DatasetEngineOptions { MaxXlsxEntries = 50 });
        var parts = Enumerable.Range(0, 60).Select(i => new KeyValuePair<string, string>($"xl/media/p{i}.xml", "<x/>"))
            .Prepend(new KeyValuePair<string, string>("xl/workbook.xml", "<workbook/>"));

        var e = await Assert.ThrowsAsync<DatasetException>(() => db.Engine.LoadAsync(Upload(), new MemoryStream(Zip(parts))));

        Assert.Equal(DatasetErrorKind.ResourceExhausted, e.Kind);
        Assert.Contains("61 parts, more than the limit of 50 (Tally:Datasets:MaxXlsxEntries)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ManyParts_DefaultLimit_Refused()
    {
        await using var db = await TestDb.CreateAsync("sqlite");
        var parts = Enumerable.Range(0, 10_001).Select(i => new KeyValuePair<string, string>($"p{i}", ""))
            .Prepend(new KeyValuePair<string, string>("xl/workbook.xml", "<workbook/>"));

        var e = await Assert.ThrowsAsync<DatasetException>(() => db.Engine.LoadAsync(Upload(), new MemoryStream(Zip(parts))));

        Assert.Equal(DatasetErrorKind.ResourceExhausted, e.Kind);
        Assert.Contains("10,002 parts", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DirectoryThatUnderstatesItsParts_StillRefused()
    {
        await using var db = await TestDb.CreateAsync("sqlite", new DatasetEngineOptions { MaxXlsxEntries = 50 });
        var parts = Enumerable.Range(0, 200).Select(i => new KeyValuePair<string, string>($"p{i}", ""))
            .Prepend(new KeyValuePair<string, string>("xl/workbook.xml", "<workbook/>"));
        var zip = Zip(parts);
        var eocd = zip.Length - 22;
        Assert.Equal(0x06054b50u, BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(eocd)));
        BinaryPrimitives.WriteUInt16LittleEndian(zip.AsSpan(eocd + 8), 5);  // entries on this disk
        BinaryPrimitives.WriteUInt16LittleEndian(zip.AsSpan(eocd + 10), 5); // entries in all: a lie

        var e = await Assert.ThrowsAsync<DatasetException>(() => db.Engine.LoadAsync(Upload(), new MemoryStream(zip)));

        Assert.Contains(e.Kind, new[] { DatasetErrorKind.ResourceExhausted, DatasetErrorKind.InvalidArgument });
        Assert.Empty(await db.Engine.ListDatasetsAsync());
    }
}
