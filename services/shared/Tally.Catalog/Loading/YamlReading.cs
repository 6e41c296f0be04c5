using System.Collections.Immutable;
using System.Globalization;
using Tally.Catalog.Model;
using YamlDotNet.RepresentationModel;

namespace Tally.Catalog.Loading;

/// <summary>Collects errors from every file; a catalog with any error never loads.</summary>
internal sealed class Diagnostics
{
    private readonly List<CatalogError> _errors = [];

    public int Count => _errors.Count;

    public void Add(SourcePosition at, string message) => _errors.Add(new CatalogError(at.File, at.Line, at.Column, message));

    public IReadOnlyList<CatalogError> Sorted() => _errors
        .OrderBy(e => e.File, StringComparer.Ordinal)
        .ThenBy(e => e.Line)
        .ThenBy(e => e.Column)
        .ThenBy(e => e.Message, StringComparer.Ordinal)
        .ToList();
}

/// <summary>One catalog file being read: its catalog-relative path and the shared diagnostics.</summary>
internal sealed class YamlFile(string path, Diagnostics diagnostics)
{
    public string Path { get; } = path;

    public Diagnostics Diagnostics { get; } = diagnostics;

    public SourcePosition At(YamlNode node) => new(Path, checked((int)node.Start.Line), checked((int)node.Start.Column));

    public SourcePosition Start => new(Path, 1, 1);

    public void Error(YamlNode node, string message) => Diagnostics.Add(At(node), message);
}

/// <summary>
/// Positions of every field of one catalog entry, by path ("citations[0].source"), so that checks made
/// after parsing (unknown ids, cycles, contradictions) can point at the exact value.
/// </summary>
internal sealed class FieldPositions(SourcePosition entry)
{
    private readonly Dictionary<string, SourcePosition> _fields = new(StringComparer.Ordinal);

    public SourcePosition Entry { get; } = entry;

    public void Set(string path, SourcePosition at) => _fields[path] = at;

    /// <summary>The position of the value at <paramref name="path"/>, or of the entry when it is absent.</summary>
    public SourcePosition Of(string path) => _fields.GetValueOrDefault(path, Entry);
}

/// <summary>
/// Reads one YAML mapping strictly: unknown keys are errors (with the allowed list and a spelling
/// suggestion), required fields must be present and non-empty, enums must use an allowed spelling.
/// Every problem is reported to the diagnostics; accessors return null/defaults so reading continues.
/// </summary>
internal sealed class MapReader
{
    private readonly YamlFile _file;
    private readonly YamlMappingNode _node;
    private readonly Dictionary<string, YamlNode> _values = new(StringComparer.Ordinal);
    private readonly FieldPositions _positions;
    private readonly string _prefix;

    private MapReader(YamlFile file, YamlMappingNode node, string what, FieldPositions positions, string prefix)
    {
        _file = file;
        _node = node;
        What = what;
        _positions = positions;
        _prefix = prefix;
    }

    /// <summary>How errors name this mapping, e.g. "metric 'ice-removals'" or "figure #3 (ice-removals)".</summary>
    public string What { get; set; }

    public SourcePosition At => _file.At(_node);

    public FieldPositions Positions => _positions;

    /// <summary>Wraps <paramref name="node"/> when it is a mapping; otherwise reports an error and returns null.</summary>
    public static MapReader? Open(YamlFile file, YamlNode node, string what, IReadOnlyCollection<string> allowed, FieldPositions positions, string prefix = "")
    {
        if (node is not YamlMappingNode map)
        {
            file.Error(node, $"{what} must be a mapping of 'field: value' lines, but found {Describe(node)}.");
            return null;
        }

        var reader = new MapReader(file, map, what, positions, prefix);
        foreach (var (keyNode, valueNode) in map.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { } key })
            {
                file.Error(keyNode, $"{what} has a field name that is not plain text; field names must be words such as '{allowed.FirstOrDefault()}'.");
                continue;
            }

            if (!allowed.Contains(key))
            {
                var hint = Suggest(key, allowed);
                file.Error(keyNode, $"unknown field '{key}' in {what}.{(hint is null ? string.Empty : $" Did you mean '{hint}'?")} Allowed fields: {string.Join(", ", allowed)}.");
                continue;
            }

            reader._values[key] = valueNode;
            positions.Set(prefix + key, file.At(valueNode));
        }

        return reader;
    }

    public bool Has(string key) => _values.ContainsKey(key) && !IsNull(_values[key]);

    public SourcePosition AtField(string key) => _values.TryGetValue(key, out var node) ? _file.At(node) : At;

    public void Error(string key, string message) => _file.Diagnostics.Add(AtField(key), message);

    public YamlNode? Node(string key, bool required)
    {
        if (_values.TryGetValue(key, out var node) && !IsNull(node))
        {
            return node;
        }

        if (required)
        {
            _file.Diagnostics.Add(_values.TryGetValue(key, out var empty) ? _file.At(empty) : At,
                $"{What} is missing required field '{key}'; add it.");
        }

        return null;
    }

    public string? Text(string key, bool required = true)
    {
        var node = Node(key, required);
        if (node is null)
        {
            return null;
        }

        if (node is not YamlScalarNode scalar)
        {
            _file.Error(node, $"field '{key}' of {What} must be text, but found {Describe(node)}.");
            return null;
        }

        var value = scalar.Value?.Trim();
        if (string.IsNullOrEmpty(value))
        {
            if (required)
            {
                _file.Error(node, $"field '{key}' of {What} is empty; write a value.");
            }

            return null;
        }

        return value;
    }

    public bool? Bool(string key, bool required = true)
    {
        var text = Text(key, required);
        switch (text)
        {
            case null:
                return null;
            case "true":
                return true;
            case "false":
                return false;
            default:
                Error(key, $"field '{key}' of {What} must be true or false, not '{text}'.");
                return null;
        }
    }

    public int? Int(string key, bool required = true)
    {
        var text = Text(key, required);
        if (text is null)
        {
            return null;
        }

        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        Error(key, $"field '{key}' of {What} must be a whole number, not '{text}'.");
        return null;
    }

    public decimal? Decimal(string key, bool required = true)
    {
        var text = Text(key, required);
        if (text is null)
        {
            return null;
        }

        if (decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
        {
            return value / 1.000000000000000000000000000000000m; // drops trailing zeros: 32.70 == 32.7
        }

        Error(key, $"field '{key}' of {What} must be a plain number such as 271484 or 32.7 (no thousands separators, units or words), not '{text}'.");
        return null;
    }

    public T? Enum<T>(string key, bool required = true)
        where T : struct, Enum
    {
        var text = Text(key, required);
        if (text is null)
        {
            return null;
        }

        if (EnumNames<T>.TryParse(text, out var value))
        {
            return value;
        }

        var hint = Suggest(text, EnumNames<T>.All);
        Error(key, $"invalid value '{text}' for field '{key}' of {What}.{(hint is null ? string.Empty : $" Did you mean '{hint}'?")} Allowed values: {string.Join(", ", EnumNames<T>.All)}.");
        return null;
    }

    /// <summary>A list of text values (a YAML sequence); a single scalar is not accepted.</summary>
    public ImmutableArray<string> TextList(string key, bool required = false)
    {
        var node = Node(key, required);
        if (node is null)
        {
            return [];
        }

        if (node is not YamlSequenceNode sequence)
        {
            _file.Error(node, $"field '{key}' of {What} must be a list such as [a, b], but found {Describe(node)}.");
            return [];
        }

        var items = ImmutableArray.CreateBuilder<string>();
        var index = 0;
        foreach (var item in sequence.Children)
        {
            _positions.Set($"{_prefix}{key}[{index}]", _file.At(item));
            if (item is YamlScalarNode { Value: { } v } && !string.IsNullOrWhiteSpace(v))
            {
                items.Add(v.Trim());
            }
            else
            {
                _file.Error(item, $"item {index + 1} of '{key}' in {What} must be non-empty text.");
            }

            index++;
        }

        if (required && items.Count == 0 && sequence.Children.Count == 0)
        {
            _file.Error(node, $"field '{key}' of {What} must list at least one item.");
        }

        return items.ToImmutable();
    }

    /// <summary>The items of a sequence field, with their paths ("citations[0].").</summary>
    public IReadOnlyList<(YamlNode Node, string Path)> Items(string key, bool required, bool nonEmpty = true)
    {
        var node = Node(key, required);
        if (node is null)
        {
            return [];
        }

        if (node is not YamlSequenceNode sequence)
        {
            _file.Error(node, $"field '{key}' of {What} must be a list (lines starting with '- '), but found {Describe(node)}.");
            return [];
        }

        if (required && nonEmpty && sequence.Children.Count == 0)
        {
            _file.Error(node, $"field '{key}' of {What} must list at least one item.");
        }

        return sequence.Children.Select((item, i) => (item, $"{_prefix}{key}[{i}].")).ToList();
    }

    /// <summary>A nested mapping field, read with its own allowed keys.</summary>
    public MapReader? Map(string key, IReadOnlyCollection<string> allowed, bool required = true)
    {
        var node = Node(key, required);
        return node is null ? null : Open(_file, node, $"{key} of {What}", allowed, _positions, $"{_prefix}{key}.");
    }

    /// <summary>A nested sequence item, read with its own allowed keys.</summary>
    public MapReader? Item(YamlNode node, string path, string what, IReadOnlyCollection<string> allowed) =>
        Open(_file, node, what, allowed, _positions, path);

    /// <summary>A mapping of text keys to text (or to lists of text, when <paramref name="allowLists"/>).</summary>
    public ImmutableSortedDictionary<string, ImmutableArray<string>> TextMap(string key, bool allowLists)
    {
        var node = Node(key, required: false);
        var result = ImmutableSortedDictionary.CreateBuilder<string, ImmutableArray<string>>(StringComparer.Ordinal);
        if (node is null)
        {
            return result.ToImmutable();
        }

        if (node is not YamlMappingNode map)
        {
            _file.Error(node, $"field '{key}' of {What} must be a mapping such as {{name: value}}, but found {Describe(node)}.");
            return result.ToImmutable();
        }

        foreach (var (k, v) in map.Children)
        {
            var name = (k as YamlScalarNode)?.Value;
            if (string.IsNullOrWhiteSpace(name))
            {
                _file.Error(k, $"keys of '{key}' in {What} must be text.");
                continue;
            }

            _positions.Set($"{_prefix}{key}.{name}", _file.At(v));
            switch (v)
            {
                case YamlScalarNode { Value: { } text } when !string.IsNullOrWhiteSpace(text):
                    result[name] = [text.Trim()];
                    break;
                case YamlSequenceNode seq when allowLists && seq.Children.All(c => c is YamlScalarNode { Value: { } s } && !string.IsNullOrWhiteSpace(s)) && seq.Children.Count > 0:
                    result[name] = seq.Children.Select(c => ((YamlScalarNode)c).Value!.Trim()).ToImmutableArray();
                    break;
                default:
                    _file.Error(v, $"value of '{name}' in '{key}' of {What} must be non-empty text{(allowLists ? " or a list of text" : string.Empty)}.");
                    break;
            }
        }

        return result.ToImmutable();
    }

    internal static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        YamlScalarNode { Value: var v } when string.IsNullOrEmpty(v) => "an empty value",
        YamlScalarNode { Value: var v } => $"'{v}'",
        _ => "something else",
    };

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: not (YamlDotNet.Core.ScalarStyle.SingleQuoted or YamlDotNet.Core.ScalarStyle.DoubleQuoted) } s &&
        (string.IsNullOrEmpty(s.Value) || s.Value is "~" or "null");

    /// <summary>The closest allowed spelling within a small edit distance, if any.</summary>
    internal static string? Suggest(string given, IEnumerable<string> allowed)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in allowed)
        {
            var d = Distance(given, candidate);
            if (d < bestDistance)
            {
                bestDistance = d;
                best = candidate;
            }
        }

        return bestDistance <= Math.Max(2, given.Length / 3) ? best : null;
    }

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
