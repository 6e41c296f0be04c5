namespace Tally.Telemetry.Internal;

/// <summary>
/// An immutable, key-sorted, de-duplicated tag list: the dictionary key of one series. Allocated once per
/// new series; lookups on the hot path go through <see cref="TagSpan"/> and allocate nothing.
/// </summary>
internal sealed class TagSet
{
    public TagSet(KeyValuePair<string, object?>[] sortedUniqueTags)
    {
        Tags = sortedUniqueTags;
        Hash = TagSetComparer.HashOf(sortedUniqueTags);
    }

    public KeyValuePair<string, object?>[] Tags { get; }

    public int Hash { get; }

    public static TagSet From(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var list = new List<KeyValuePair<string, object?>>(tags.Length);
        foreach (var tag in tags)
        {
            var i = list.FindIndex(t => string.Equals(t.Key, tag.Key, StringComparison.Ordinal));
            if (i >= 0) list[i] = tag; // last one wins, as in OpenTelemetry
            else list.Add(tag);
        }
        list.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        return new TagSet([.. list]);
    }
}

/// <summary>The measurement's tags as handed to the listener; an alternate key for lookups.</summary>
internal readonly ref struct TagSpan(ReadOnlySpan<KeyValuePair<string, object?>> tags)
{
    public ReadOnlySpan<KeyValuePair<string, object?>> Tags { get; } = tags;
}

/// <summary>Order-insensitive equality of tag lists; values compare with <see cref="object.Equals(object?, object?)"/>.</summary>
internal sealed class TagSetComparer : IEqualityComparer<TagSet>, IAlternateEqualityComparer<TagSpan, TagSet>
{
    public static readonly TagSetComparer Instance = new();

    public static int HashOf(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var sum = 0;
        foreach (var tag in tags)
        {
            sum = unchecked(sum + HashCode.Combine(tag.Key, tag.Value));
        }
        return HashCode.Combine(sum, tags.Length);
    }

    public bool Equals(TagSet? x, TagSet? y)
    {
        if (ReferenceEquals(x, y)) return true;
        if (x is null || y is null || x.Hash != y.Hash || x.Tags.Length != y.Tags.Length) return false;
        for (var i = 0; i < x.Tags.Length; i++)
        {
            if (!string.Equals(x.Tags[i].Key, y.Tags[i].Key, StringComparison.Ordinal)
                || !Equals(x.Tags[i].Value, y.Tags[i].Value))
            {
                return false;
            }
        }
        return true;
    }

    public int GetHashCode(TagSet obj) => obj.Hash;

    public bool Equals(TagSpan alternate, TagSet other)
    {
        var span = alternate.Tags;
        var stored = other.Tags;
        // Each stored tag must be matched exactly once; spans with repeated keys never match here and take
        // the (allocating, exact) slow path instead.
        if (span.Length != stored.Length || span.Length > 64) return false;
        var seen = 0UL;
        foreach (var tag in span)
        {
            var found = false;
            for (var i = 0; i < stored.Length; i++)
            {
                if (string.Equals(stored[i].Key, tag.Key, StringComparison.Ordinal))
                {
                    var bit = 1UL << i;
                    if ((seen & bit) != 0 || !Equals(stored[i].Value, tag.Value)) return false;
                    seen |= bit;
                    found = true;
                    break;
                }
            }
            if (!found) return false;
        }
        return true;
    }

    public int GetHashCode(TagSpan alternate) => HashOf(alternate.Tags);

    public TagSet Create(TagSpan alternate) => TagSet.From(alternate.Tags);
}
