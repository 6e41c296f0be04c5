using System.Text;

namespace Tally.Fuzz.Tests.Engine;

/// <summary>What a target tells the mutator about its format.</summary>
internal sealed record Dictionary
{
    /// <summary>Tokens of the format ("- ", "&lt;td&gt;", "FY"), inserted and overwritten as units.</summary>
    public IReadOnlyList<byte[]> Tokens { get; init; } = [];

    /// <summary>Opening and closing tokens for deep nesting ("[" "]", "&lt;div&gt;" "&lt;/div&gt;").</summary>
    public IReadOnlyList<(byte[] Open, byte[] Close)> Nesting { get; init; } = [];

    public static Dictionary Of(string[] tokens, params (string Open, string Close)[] nesting) => new()
    {
        Tokens = Oddities.Utf8(tokens),
        Nesting = nesting.Select(p => (Oddities.Utf8(p.Open), Oddities.Utf8(p.Close))).ToArray(),
    };
}

/// <summary>
/// The seeded mutation engine: stacks 1–6 byte-level edits on a corpus item — bit flips, interesting bytes, inserts,
/// deletes, duplicated ranges, splices with another corpus item, format tokens, boundary numbers in place of digits,
/// long runs, deep nesting, unicode oddities, line shuffles and truncation. Same seed, same output.
/// </summary>
internal sealed class Mutator(FuzzRandom rng, Dictionary dictionary, int maxBytes)
{
    private delegate void Edit(List<byte> data, IReadOnlyList<byte[]> corpus);

    private (string Name, int Weight, Edit Apply)[]? _editTable;

    private (string Name, int Weight, Edit Apply)[] Edits => _editTable ??=
    [
        ("flip-bit", 6, (d, _) => { if (d.Count > 0) { var i = rng.Next(d.Count); d[i] ^= (byte)(1 << rng.Next(8)); } }),
        ("interesting-byte", 5, (d, _) => { if (d.Count > 0) { d[rng.Next(d.Count)] = rng.Pick(Oddities.InterestingBytes); } }),
        ("random-byte", 3, (d, _) => { if (d.Count > 0) { d[rng.Next(d.Count)] = (byte)rng.Next(256); } }),
        ("insert-bytes", 4, (d, _) => d.InsertRange(rng.Next(d.Count + 1), RandomBytes(rng.SmallLength(16)))),
        ("delete-range", 6, (d, _) => { if (d.Count > 0) { var i = rng.Next(d.Count); d.RemoveRange(i, Math.Min(d.Count - i, rng.SmallLength(64))); } }),
        ("duplicate-range", 4, (d, _) => Duplicate(d)),
        ("splice", 4, Splice),
        ("token", 8, (d, _) => InsertOrReplace(d, rng.Pick(AllTokens()))),
        ("boundary-number", 6, (d, _) => ReplaceNumber(d)),
        ("long-run", 2, (d, _) => LongRun(d)),
        ("nesting", 2, (d, _) => Nest(d)),
        ("unicode", 5, (d, _) => InsertOrReplace(d, rng.Pick(Oddities.Unicode))),
        ("lines", 4, (d, _) => ShuffleLines(d)),
        ("truncate", 3, (d, _) => { if (d.Count > 1) { var keep = rng.Next(1, d.Count); d.RemoveRange(keep, d.Count - keep); } }),
        ("case", 1, (d, _) => FlipCase(d)),
    ];

    private byte[][]? _allTokens;

    /// <summary>A mutant of <paramref name="input"/>; <paramref name="corpus"/> gives splice partners.</summary>
    public byte[] Mutate(byte[] input, IReadOnlyList<byte[]> corpus)
    {
        var data = new List<byte>(input);
        var edits = rng.OneIn(4) ? rng.Next(2, 7) : rng.Next(1, 3);
        var total = Edits.Sum(e => e.Weight);
        for (var i = 0; i < edits; i++)
        {
            var pick = rng.Next(total);
            foreach (var edit in Edits)
            {
                if ((pick -= edit.Weight) < 0)
                {
                    edit.Apply(data, corpus);
                    break;
                }
            }
            if (data.Count > maxBytes)
            {
                data.RemoveRange(maxBytes, data.Count - maxBytes);
            }
        }
        return [.. data];
    }

    private byte[][] AllTokens() => _allTokens ??=
        [.. dictionary.Tokens, .. Oddities.BoundaryNumbers.Select(Oddities.Utf8), .. dictionary.Nesting.SelectMany(n => new[] { n.Open, n.Close })];

    private byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        for (var i = 0; i < count; i++)
        {
            bytes[i] = rng.OneIn(2) ? (byte)rng.Next(0x20, 0x7F) : (byte)rng.Next(256);
        }
        return bytes;
    }

    private void InsertOrReplace(List<byte> data, byte[] token)
    {
        var at = rng.Next(data.Count + 1);
        if (rng.OneIn(3) && at < data.Count)
        {
            data.RemoveRange(at, Math.Min(data.Count - at, token.Length));
        }
        data.InsertRange(at, token);
    }

    private void Duplicate(List<byte> data)
    {
        if (data.Count == 0)
        {
            return;
        }
        var start = rng.Next(data.Count);
        var length = Math.Min(data.Count - start, rng.SmallLength(256));
        var chunk = data.GetRange(start, length);
        var times = rng.OneIn(4) ? rng.Next(2, 64) : 1;
        var at = rng.Next(data.Count + 1);
        for (var i = 0; i < times && data.Count + chunk.Count <= maxBytes; i++)
        {
            data.InsertRange(at, chunk);
        }
    }

    private void Splice(List<byte> data, IReadOnlyList<byte[]> corpus)
    {
        if (corpus.Count == 0)
        {
            return;
        }
        var other = rng.Pick(corpus);
        var cut = rng.Next(data.Count + 1);
        var from = rng.Next(other.Length + 1);
        data.RemoveRange(cut, data.Count - cut);
        data.AddRange(other.AsSpan(from).ToArray());
    }

    /// <summary>Replaces a run of ASCII digits (or inserts at random when there is none) with a boundary number.</summary>
    private void ReplaceNumber(List<byte> data)
    {
        var number = Oddities.Utf8(rng.Pick(Oddities.BoundaryNumbers));
        var digits = new List<int>();
        for (var i = 0; i < data.Count; i++)
        {
            if (data[i] is >= (byte)'0' and <= (byte)'9' && (i == 0 || data[i - 1] is < (byte)'0' or > (byte)'9'))
            {
                digits.Add(i);
            }
        }
        if (digits.Count == 0)
        {
            data.InsertRange(rng.Next(data.Count + 1), number);
            return;
        }
        var start = rng.Pick(digits);
        var end = start;
        while (end < data.Count && data[end] is >= (byte)'0' and <= (byte)'9')
        {
            end++;
        }
        data.RemoveRange(start, end - start);
        data.InsertRange(start, number);
    }

    private void LongRun(List<byte> data)
    {
        var unit = rng.OneIn(2) && AllTokens().Length > 0 ? rng.Pick(AllTokens())
            : rng.OneIn(2) && data.Count > 0 ? [data[rng.Next(data.Count)]]
            : [rng.Pick(Oddities.InterestingBytes)];
        var budget = Math.Max(0, maxBytes - data.Count);
        var count = Math.Min(budget / Math.Max(1, unit.Length), rng.OneIn(3) ? rng.Next(1_000, 100_000) : rng.Next(16, 1_000));
        var run = new byte[count * unit.Length];
        for (var i = 0; i < count; i++)
        {
            unit.CopyTo(run, i * unit.Length);
        }
        data.InsertRange(rng.Next(data.Count + 1), run);
    }

    /// <summary>Opening tokens many levels deep, then (usually) as many closing ones: recursion depth for the parser.</summary>
    private void Nest(List<byte> data)
    {
        if (dictionary.Nesting.Count == 0)
        {
            LongRun(data);
            return;
        }
        var (open, close) = rng.Pick(dictionary.Nesting);
        var budget = Math.Max(0, maxBytes - data.Count);
        var depth = Math.Min(budget / Math.Max(1, open.Length + close.Length), rng.OneIn(2) ? rng.Next(1_000, 50_000) : rng.Next(32, 1_000));
        var nested = new List<byte>(depth * (open.Length + close.Length));
        for (var i = 0; i < depth; i++)
        {
            nested.AddRange(open);
        }
        if (!rng.OneIn(4))
        {
            for (var i = 0; i < depth; i++)
            {
                nested.AddRange(close);
            }
        }
        data.InsertRange(rng.Next(data.Count + 1), nested);
    }

    /// <summary>Duplicates, deletes or swaps whole lines (rows of a CSV, fields of YAML).</summary>
    private void ShuffleLines(List<byte> data)
    {
        var lines = Split(data);
        if (lines.Count < 2)
        {
            return;
        }
        var a = rng.Next(lines.Count);
        var b = rng.Next(lines.Count);
        switch (rng.Next(3))
        {
            case 0: lines.Insert(b, lines[a]); break;
            case 1: lines.RemoveAt(a); break;
            default: (lines[a], lines[b]) = (lines[b], lines[a]); break;
        }
        data.Clear();
        foreach (var line in lines)
        {
            data.AddRange(line);
        }
    }

    private static List<byte[]> Split(List<byte> data)
    {
        var lines = new List<byte[]>();
        var start = 0;
        for (var i = 0; i < data.Count; i++)
        {
            if (data[i] == (byte)'\n')
            {
                lines.Add(data.GetRange(start, i - start + 1).ToArray());
                start = i + 1;
            }
        }
        if (start < data.Count)
        {
            lines.Add(data.GetRange(start, data.Count - start).ToArray());
        }
        return lines;
    }

    private void FlipCase(List<byte> data)
    {
        if (data.Count == 0)
        {
            return;
        }
        var start = rng.Next(data.Count);
        var end = Math.Min(data.Count, start + rng.SmallLength(32));
        for (var i = start; i < end; i++)
        {
            if (data[i] is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z')
            {
                data[i] ^= 0x20;
            }
        }
    }

    /// <summary>Lossy UTF-8 decoding for string targets: invalid bytes become U+FFFD, as a web server would decode them.</summary>
    public static string Text(byte[] input) => Encoding.UTF8.GetString(input);
}
