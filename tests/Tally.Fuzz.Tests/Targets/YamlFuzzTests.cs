using System.Text;
using FsCheck.Fluent;
using Tally.Catalog;
using Tally.Datasets.Specs;
using Tally.Fuzz.Tests.Engine;
using Xunit.Abstractions;

namespace Tally.Fuzz.Tests.Targets;

/// <summary>
/// The two YAML formats Tally reads: dataset specs (DatasetSpecParser — uploaded with IngestDataset, so hostile) and
/// the catalog (CatalogLoader, over a copy of the bundled catalog with one file mutated). Clean errors carry a
/// position: DatasetSpecException lists "file:line:column: message" entries; the catalog returns CatalogError
/// entries with file, line and message and never throws for a bad file.
/// </summary>
public sealed class YamlFuzzTests(ITestOutputHelper output)
{
    private const string Origin = "fuzz.yaml";

    private static readonly string[] SpecSeeds =
    [
        """
        dataset: demo
        description: A small spec.
        source: {publisher: ICE, title: Detention statistics, url: "https://www.ice.gov/"}
        tables:
          - name: removals
            files: [removals.csv, "removals-*.csv"]
            format: csv
            header_row: 1
            columns:
              - {name: fiscal_year, type: int, required: true}
              - {name: criminality, type: enum, values: [Convicted Criminal, Pending Criminal Charges, Other Immigration Violator, Total]}
              - {name: n_removals, type: int}
              - {name: share, type: decimal}
              - name: pull_date
                type: date
                formats: [yyyy-MM-dd, M/d/yyyy]
                required: true
            vintage: {date: pull_date}
            period: {fiscal_year: fiscal_year}
            key: [fiscal_year, criminality]
            totals:
              - {name: parts, total: {criminality: Total}, parts: {criminality: [Convicted Criminal, Pending Criminal Charges, Other Immigration Violator]}, by: [fiscal_year], measures: [n_removals]}
            validation:
              no_data_after_vintage: {measures: [n_removals]}
              never_decreases:
                - {column: n_removals, key: [criminality], tolerance: 0.5}
        """,
        """
        dataset: x
        tables:
          - name: t
            format: xlsx
            sheet: Sheet1
            columns:
              - {name: d, type: date}
              - {name: m, type: enum, values: [Oct, Nov]}
              - {name: ok, type: bool}
            period: {date: d, month: m}
        """,
        "dataset: y\ntables: []\n",
        "dataset: &a z\ndescription: *a\ntables:\n  - &t {name: t, columns: [{name: a, type: text}]}\n",
    ];

    private static readonly Dictionary YamlTokens = Dictionary.Of(
        [": ", "- ", "\n  ", "\n    - ", "[", "]", "{", "}", ",", "&a ", "*a", "!!binary ", "!!int ", "!!str ", "!<tag:x> ", "<<: *a\n", "? ", "|\n  ",
         ">-\n  ", "'", "\"", "\\u0000", "\\x", "# c\n", "---\n", "...\n", "%YAML 1.2\n---\n", "%TAG ! tag:x\n", "~", "null", "true", "0x1F", "0o17",
         ".inf", ".nan", "-.inf", "2024-01-21", "2024-02-30", "\t", "dataset", "tables", "columns", "name", "type", "int", "decimal", "date", "enum",
         "text", "bool", "values", "formats", "yyyy-MM-dd", "%", "header_row", "vintage", "period", "fiscal_year", "month", "key", "totals",
         "parts", "by", "measures", "relation", "equal", "at_least", "effective", "from", "until", "validation", "running_totals", "never_decreases",
         "tolerance", "sheet", "files", "format", "csv", "xlsx", "tsv", "*.csv", "../", "/etc/passwd"],
        ("[", "]"), ("{", "}"), ("- ", ""), ("{a: ", "}"), ("[&a ", "]"), ("? ", ""), ("\n  - ", ""));

    private static readonly FsCheck.Gen<string> ColumnName = FsGen.Words("fiscal_year", "pull_date", "file_date", "n", "n_ytd", "criminality",
        "month", "date", "d", "", "Name With Spaces", "ü", "a\"b", "select", "1col", "x-y");

    private static readonly FsCheck.Gen<string> SpecGen =
        from name in FsGen.Words("demo", "ice-detention-stats", "", "UPPER", "a b", "x")
        from columns in Gen.ListOf(
            from col in ColumnName
            from type in FsGen.Words("int", "decimal", "text", "date", "enum", "bool", "datetime", "", "INT")
            from required in FsGen.Words("true", "false", "yes", "1", "")
            from formats in Gen.ListOf(FsGen.Words("yyyy-MM-dd", "M/d/yyyy", "yyyy-MM-dd%", "%", "", "'", "\\", "dddd", "yyyyyyyyyy", "K"))
            from values in Gen.ListOf(FsGen.Words("Oct", "Nov", "Total", "", "Convicted Criminal"))
            select $"      - {{name: \"{col}\", type: {type}, required: {required}, formats: [{string.Join(", ", formats.Select(f => $"\"{f}\""))}], values: [{string.Join(", ", values.Select(v => $"\"{v}\""))}]}}")
        from header in FsGen.Number()
        from vintage in ColumnName
        from period in ColumnName
        from keys in Gen.ListOf(ColumnName)
        from tolerance in FsGen.Number()
        from effective in FsGen.Words("2024-01-21", "2024-13-01", "0001-01-01", "9999-12-31", "yesterday", "")
        select $"dataset: {name}\ntables:\n  - name: t\n    header_row: {header}\n    columns:\n{string.Join("\n", columns)}\n" +
               $"    vintage: {{date: \"{vintage}\"}}\n    period: {{fiscal_year: \"{period}\"}}\n    key: [{string.Join(", ", keys.Select(k => $"\"{k}\""))}]\n" +
               $"    totals:\n      - {{name: r, total: {{\"{vintage}\": Total}}, parts: {{\"{vintage}\": [a, b]}}, by: [\"{period}\"], measures: [\"{keys.FirstOrDefault()}\"], effective: {{from: \"{effective}\"}}}}\n" +
               $"    validation:\n      never_decreases:\n        - {{column: \"{period}\", tolerance: {tolerance}}}\n";

    [Fact]
    public async Task DatasetSpec_AnyYaml_SpecOrPositionedErrors()
    {
        var bundled = Path.Combine(RepoPaths.Catalog, "datasets", "ice-detention-stats.yaml");
        var target = new FuzzTarget
        {
            Name = "dataset-spec",
            Seeds = [.. SpecSeeds.Select(Oddities.Utf8), .. File.Exists(bundled) ? [File.ReadAllBytes(bundled)] : Array.Empty<byte[]>()],
            Dictionary = YamlTokens,
            Generate = FsGen.Utf8(SpecGen, size: 8),
            Cost = 1,
            Run = (input, _) =>
            {
                var spec = DatasetSpecParser.Parse(Mutator.Text(input), Origin);
                if (string.IsNullOrEmpty(spec.Name))
                {
                    throw new OracleViolation("a spec parsed without a dataset name");
                }
                return Task.CompletedTask;
            },
            Classify = e => Clean.Only(e, typeof(DatasetSpecException)) ?? PositionedErrors((DatasetSpecException)e),
        };
        var ran = await new FuzzRunner(target, output).RunAsync();
        Assert.True(ran > target.Seeds.Count, $"fuzz {target.Name}: only the {target.Seeds.Count} seed inputs ran, no mutated or generated one");
    }

    private static string? PositionedErrors(DatasetSpecException e) =>
        e.Errors.Count == 0 ? "DatasetSpecException with no errors listed"
        : e.Errors.FirstOrDefault(m => !m.StartsWith(Origin + ":", StringComparison.Ordinal) || m.Length <= Origin.Length + 2) is { } bad
            ? $"an error that does not start with '{Origin}:<line>:<column>:' and a message: '{bad}'"
            : null;

    [Fact]
    public async Task CatalogYaml_MutatedFile_LoadsOrListsPositionedErrors()
    {
        // A private copy of the bundled catalog; each input replaces one file, which is put back afterwards.
        var dir = Path.Combine(Path.GetTempPath(), "tally-fuzz-catalog-" + Environment.ProcessId);
        CopyDirectory(RepoPaths.Catalog, dir);
        try
        {
            var files = Directory.EnumerateFiles(dir, "*.yaml", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(dir, f).Replace('\\', '/'))
                .Where(f => !f.StartsWith("datasets/", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal).ToList();
            var originals = files.ToDictionary(f => f, f => File.ReadAllBytes(Path.Combine(dir, f)), StringComparer.Ordinal);
            var target = new FuzzTarget
            {
                Name = "catalog",
                // An input is "<catalog-relative path>\n<content>": the file to replace and what to put in it.
                Seeds = [.. files.Select(f => Encode(f, originals[f]))],
                Dictionary = YamlTokens with
                {
                    Tokens = [.. YamlTokens.Tokens, .. Oddities.Utf8("id", "metrics", "sources", "relations", "figures", "terms", "subset_of",
                        "not_interchangeable_with", "supersedes", "FY2024", "FY2024 through 2024-02", "CY2014..CY2023", "unspecified", "as_stated",
                        "271,484", "99999999999999999999999999999999", "1e400", "value", "period", "metric", "source", "citations", "locator")],
                },
                Cost = 8,
                Describe = input =>
                {
                    var (path, content) = Decode(input, files);
                    return $"   file {path}: " + FuzzRunner.Escape(content, 2000);
                },
                Run = (input, _) =>
                {
                    var (path, content) = Decode(input, files);
                    var full = Path.Combine(dir, path);
                    File.WriteAllBytes(full, content);
                    try
                    {
                        if (!CatalogLoader.TryLoad(dir, out var catalog, out var errors))
                        {
                            var bad = errors.FirstOrDefault(e => string.IsNullOrEmpty(e.File) || e.Line < 1 || string.IsNullOrWhiteSpace(e.Message));
                            if (errors.Count == 0 || bad is not null)
                            {
                                throw new OracleViolation(errors.Count == 0 ? "the catalog failed to load without listing an error"
                                    : $"a catalog error without file, line or message: '{bad}'");
                            }
                            FuzzOutcome.Note("errors: " + new string(errors[0].Message.Where(c => !char.IsDigit(c)).Take(40).ToArray()));
                        }
                        else if (catalog is null || catalog.Metrics.Length == 0)
                        {
                            throw new OracleViolation("TryLoad succeeded without a catalog");
                        }
                    }
                    finally
                    {
                        File.WriteAllBytes(full, originals[path]);
                    }
                    return Task.CompletedTask;
                },
                Classify = Clean.Never,
            };
            var ran = await new FuzzRunner(target, output).RunAsync();
            Assert.True(ran > target.Seeds.Count, $"fuzz {target.Name}: only the {target.Seeds.Count} seed inputs ran, no mutated or generated one");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static byte[] Encode(string path, byte[] content) => [.. Encoding.UTF8.GetBytes(path + "\n"), .. content];

    /// <summary>The file an input names (mutations may garble the name: then the name picks a file by its hash) and its content.</summary>
    private static (string Path, byte[] Content) Decode(byte[] input, List<string> files)
    {
        var newline = Array.IndexOf(input, (byte)'\n');
        var name = newline < 0 ? "" : Encoding.UTF8.GetString(input, 0, newline);
        var path = files.Contains(name) ? name : files[(int)(FuzzRandom.StableHash(name) % (ulong)files.Count)];
        return (path, newline < 0 ? input : input[(newline + 1)..]);
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }
}
