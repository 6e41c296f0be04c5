using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Tally.Catalog;

/// <summary>
/// A guard for <c>YamlStream.Load</c>, which builds nested collections by recursion: some 13,000 nested "{a: " (50 KB)
/// overflow the stack and kill the process, and an uploaded dataset spec is YAML from anyone. The event parser
/// underneath is iterative, so it can measure the depth first.
/// </summary>
public static class YamlNesting
{
    /// <summary>Deepest nesting of mappings and sequences accepted; Tally's files need fewer than ten levels.</summary>
    public const int MaxDepth = 64;

    /// <summary>Where the first collection deeper than <paramref name="maxDepth"/> starts, or null. Syntax errors are left to the load.</summary>
    public static Mark? FindTooDeep(string yaml, int maxDepth = MaxDepth)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var parser = new Parser(new StringReader(yaml));
        var depth = 0;
        try
        {
            while (parser.MoveNext())
            {
                if (parser.Current is MappingStart or SequenceStart)
                {
                    if (++depth > maxDepth)
                    {
                        return parser.Current.Start;
                    }
                }
                else if (parser.Current is MappingEnd or SequenceEnd)
                {
                    depth--;
                }
            }
        }
        catch (Exception e) when (e is YamlException or InvalidOperationException or ArgumentException)
        {
            // Malformed: the load that follows reports it, with its position.
        }

        return null;
    }
}
