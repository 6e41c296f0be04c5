namespace Tally.Definitions.Explanation;

/// <summary>The registry ids nearest to a mistyped or guessed one, by shared words and edit distance.</summary>
public static class NearestIds
{
    public static IReadOnlyList<string> Find(string wanted, IEnumerable<string> ids, int count = 3)
    {
        ArgumentNullException.ThrowIfNull(wanted);
        ArgumentNullException.ThrowIfNull(ids);
        var w = wanted.Trim().ToLowerInvariant();
        var wantedWords = Words(w);
        return ids
            .Select(id => (Id: id, Score: Similarity(w, wantedWords, id)))
            .OrderByDescending(x => x.Score).ThenBy(x => x.Id, StringComparer.Ordinal)
            .Take(count).Select(x => x.Id).ToArray();
    }

    private static double Similarity(string wanted, HashSet<string> wantedWords, string id)
    {
        var words = Words(id);
        var shared = words.Count(word => wantedWords.Any(ww => ww == word || (ww.Length >= 4 && word.StartsWith(ww, StringComparison.Ordinal)) ||
                                                               (word.Length >= 4 && ww.StartsWith(word, StringComparison.Ordinal))));
        var overlap = words.Count + wantedWords.Count == 0 ? 0 : 2.0 * shared / (words.Count + wantedWords.Count);
        var distance = Levenshtein(wanted, id);
        var closeness = 1 - ((double)distance / Math.Max(wanted.Length, id.Length));
        return overlap + (0.5 * closeness);
    }

    private static HashSet<string> Words(string id) =>
        id.Split(['-', '.', '_', ' '], StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);

    internal static int Levenshtein(string a, string b)
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
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
