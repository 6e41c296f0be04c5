using System.Globalization;

namespace Tally.Bench.Load;

/// <summary>The operations of the mixed workload (see <see cref="LoadWorkload"/> for what each one sends).</summary>
internal enum Operation
{
    /// <summary>Ask: a few seed questions over and over, cache allowed (mostly cache hits, until an ingest evicts).</summary>
    AskRepeat,

    /// <summary>Ask: one of about a hundred phrasings and years, skip_cache (computed every time).</summary>
    AskVaried,

    /// <summary>GetFigure: a metric and period from the bundled catalog, value checked.</summary>
    Figure,

    /// <summary>IngestDocument: a small generated text, unique per call (a new snapshot every time).</summary>
    Document,

    /// <summary>IngestDataset: a generated CSV of a few hundred rows, a new vintage every time.</summary>
    Dataset,
}

/// <summary>Relative weights of the operations; each call picks one at random in proportion to its weight.</summary>
internal sealed class OperationMix
{
    private static readonly Dictionary<string, Operation> Names = new(StringComparer.OrdinalIgnoreCase)
    {
        ["ask-repeat"] = Operation.AskRepeat,
        ["ask-varied"] = Operation.AskVaried,
        ["figure"] = Operation.Figure,
        ["document"] = Operation.Document,
        ["dataset"] = Operation.Dataset,
    };

    // After Names: static fields initialise in order.
    public static readonly OperationMix Default = Parse("ask-repeat=45,ask-varied=16,figure=30,document=6,dataset=3");

    private readonly (Operation Op, int Weight)[] _weights;
    private readonly int _total;

    private OperationMix((Operation, int)[] weights)
    {
        _weights = weights;
        _total = weights.Sum(w => w.Item2);
    }

    public IReadOnlyList<(Operation Op, int Weight)> Weights => _weights;

    public static string NameOf(Operation op) => Names.First(kv => kv.Value == op).Key;

    /// <summary>"ask-repeat=40,figure=30,…": operations not named get weight 0; at least one weight must be positive.</summary>
    public static OperationMix Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var weights = Enum.GetValues<Operation>().ToDictionary(o => o, _ => 0);
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var kv = part.Split('=', 2, StringSplitOptions.TrimEntries);
            if (kv.Length != 2 || !Names.TryGetValue(kv[0], out var op))
            {
                throw new ArgumentException($"--mix takes NAME=WEIGHT pairs with NAME one of {string.Join(", ", Names.Keys)}; '{part}' is not one.");
            }

            if (!int.TryParse(kv[1], NumberStyles.None, CultureInfo.InvariantCulture, out var weight) || weight > 1_000_000)
            {
                throw new ArgumentException($"--mix: the weight of {kv[0]} must be a whole number from 0 to 1000000, not '{kv[1]}'.");
            }

            weights[op] = weight;
        }

        if (weights.Values.Sum() == 0)
        {
            throw new ArgumentException($"--mix '{text}' gives every operation weight 0: nothing to run.");
        }

        return new OperationMix([.. weights.Select(kv => (kv.Key, kv.Value))]);
    }

    public Operation Pick(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var n = random.Next(_total);
        foreach (var (op, weight) in _weights)
        {
            if (n < weight)
            {
                return op;
            }

            n -= weight;
        }

        throw new InvalidOperationException("unreachable: the weights sum to the total.");
    }

    public override string ToString() => string.Join(",", _weights.Where(w => w.Weight > 0).Select(w => $"{NameOf(w.Op)}={w.Weight}"));
}
