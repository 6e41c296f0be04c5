using System.Collections.Immutable;
using Tally.Catalog.Loading;
using Tally.Catalog.Model;

namespace Tally.Catalog;

/// <summary>
/// Loads a catalog directory:
/// <code>
///   sources.yaml      sources:   [...]
///   metrics/*.yaml    metrics:   [...]   (the file name is the metric family)
///   relations.yaml    relations: [...]
///   figures/*.yaml    figures:   [...]   (optional directory)
///   glossary.yaml     terms:     [...]
/// </code>
/// Validation is strict and complete: every error in every file is collected (file:line:column and
/// what to do) before anything is returned, and a catalog with any error never loads.
/// docs/catalog-format.md describes the format.
/// </summary>
public static class CatalogLoader
{
    public const string SourcesFile = "sources.yaml";
    public const string RelationsFile = "relations.yaml";
    public const string GlossaryFile = "glossary.yaml";
    public const string MetricsDirectory = "metrics";
    public const string FiguresDirectory = "figures";

    /// <summary>Loads and validates the catalog in <paramref name="directory"/>.</summary>
    /// <exception cref="CatalogValidationException">The catalog has errors; <see cref="CatalogValidationException.Errors"/> lists them all.</exception>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    public static Catalog Load(string directory) =>
        TryLoad(directory, out var catalog, out var errors) ? catalog! : throw new CatalogValidationException(directory, errors);

    /// <summary>Loads and validates; returns false with every error instead of throwing on an invalid catalog.</summary>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    public static bool TryLoad(string directory, out Catalog? catalog, out IReadOnlyList<CatalogError> errors)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"Catalog directory '{directory}' does not exist.");
        }

        var diagnostics = new Diagnostics();
        var parser = new CatalogParser(diagnostics);
        var sources = new List<Located<Source>>();
        var metrics = new List<Located<MetricDefinition>>();
        var relations = new List<Located<MetricRelation>>();
        var figures = new List<Located<Figure>>();
        var glossary = new List<Located<GlossaryEntry>>();

        CheckLayout(directory, diagnostics);

        Read(directory, SourcesFile, "sources", diagnostics, parser, required: true,
            (file, node, i) => Add(sources, parser.Source(file, node, i)));
        foreach (var path in YamlFiles(directory, MetricsDirectory))
        {
            var family = Path.GetFileNameWithoutExtension(path);
            Read(directory, path, "metrics", diagnostics, parser, required: true,
                (file, node, i) => Add(metrics, parser.Metric(file, node, i, family)));
        }

        Read(directory, RelationsFile, "relations", diagnostics, parser, required: true,
            (file, node, i) => Add(relations, CatalogParser.Relation(file, node, i)));
        foreach (var path in YamlFiles(directory, FiguresDirectory))
        {
            Read(directory, path, "figures", diagnostics, parser, required: true,
                (file, node, i) => Add(figures, CatalogParser.Figure(file, node, i)));
        }

        Read(directory, GlossaryFile, "terms", diagnostics, parser, required: true,
            (file, node, i) => Add(glossary, CatalogParser.GlossaryTerm(file, node, i)));

        new CatalogValidator(diagnostics, parser).Validate(sources, metrics, relations, figures, glossary);

        if (diagnostics.Count > 0)
        {
            catalog = null;
            errors = diagnostics.Sorted();
            return false;
        }

        var sortedSources = sources.Select(s => s.Item).OrderBy(s => s.Id, StringComparer.Ordinal).ToImmutableArray();
        var sortedMetrics = metrics.Select(m => m.Item).OrderBy(m => m.Id, StringComparer.Ordinal).ToImmutableArray();
        var sortedRelations = relations.Select(r => r.Item)
            .OrderBy(r => r.From, StringComparer.Ordinal).ThenBy(r => r.To, StringComparer.Ordinal).ThenBy(r => r.Type)
            .ToImmutableArray();
        var sortedFigures = figures.Select(f => f.Item).OrderBy(f => f.Id, StringComparer.Ordinal).ToImmutableArray();
        var sortedGlossary = glossary.Select(g => g.Item)
            .OrderBy(g => g.Dimension).ThenBy(g => g.Value, StringComparer.Ordinal).ThenBy(g => g.Phrases[0], StringComparer.Ordinal)
            .ToImmutableArray();
        var version = CatalogHasher.Hash(sortedSources, sortedMetrics, sortedRelations, sortedFigures, sortedGlossary);
        catalog = new Catalog(version, sortedSources, sortedMetrics, sortedRelations, sortedFigures, sortedGlossary);
        errors = [];
        return true;
    }

    private static void Add<T>(List<Located<T>> list, Located<T>? item)
    {
        if (item is not null)
        {
            list.Add(item);
        }
    }

    private static void Read(
        string directory,
        string relativePath,
        string listKey,
        Diagnostics diagnostics,
        CatalogParser parser,
        bool required,
        Action<YamlFile, YamlDotNet.RepresentationModel.YamlNode, int> parseItem)
    {
        var display = relativePath.Replace('\\', '/');
        var file = new YamlFile(display, diagnostics);
        var full = Path.Combine(directory, relativePath);
        if (!File.Exists(full))
        {
            if (required)
            {
                diagnostics.Add(file.Start, $"required file is missing; create {display} with a top-level '{listKey}:' list.");
            }

            return;
        }

        var items = parser.OpenList(file, File.ReadAllText(full), listKey);
        for (var i = 0; i < items.Count; i++)
        {
            parseItem(file, items[i].Node, i);
        }
    }

    private static List<string> YamlFiles(string directory, string subdirectory)
    {
        var full = Path.Combine(directory, subdirectory);
        return Directory.Exists(full)
            ? Directory.EnumerateFiles(full, "*.yaml").Order(StringComparer.Ordinal).Select(f => Path.Combine(subdirectory, Path.GetFileName(f))).ToList()
            : [];
    }

    /// <summary>Flags files the loader would silently ignore: stray YAML and .yml spellings.</summary>
    private static void CheckLayout(string directory, Diagnostics diagnostics)
    {
        string[] known = [SourcesFile, RelationsFile, GlossaryFile];
        foreach (var path in Directory.EnumerateFiles(directory).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(path);
            if (name.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) ||
                (name.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) && !known.Contains(name, StringComparer.Ordinal)))
            {
                diagnostics.Add(new SourcePosition(name, 1, 1),
                    $"unexpected file '{name}': the catalog root holds only {string.Join(", ", known)}; metric files go in {MetricsDirectory}/ and figure files in {FiguresDirectory}/, all named *.yaml.");
            }
        }

        foreach (var sub in new[] { MetricsDirectory, FiguresDirectory })
        {
            var full = Path.Combine(directory, sub);
            if (!Directory.Exists(full))
            {
                if (sub == MetricsDirectory)
                {
                    diagnostics.Add(new SourcePosition(sub, 1, 1), $"required directory '{sub}/' is missing; put metric definitions in {sub}/*.yaml.");
                }

                continue;
            }

            foreach (var path in Directory.EnumerateFiles(full).Where(p => p.EndsWith(".yml", StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal))
            {
                diagnostics.Add(new SourcePosition($"{sub}/{Path.GetFileName(path)}", 1, 1), "catalog files must be named *.yaml, not *.yml; rename it.");
            }
        }
    }
}
