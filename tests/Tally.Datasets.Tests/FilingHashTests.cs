using Tally.Datasets.Loading;
using Tally.Datasets.Specs;
using Tally.Datasets.Storage;

namespace Tally.Datasets.Tests;

/// <summary>
/// The content hash a filing keeps of its rows (stored with each vintage, so the same pull filed twice is recognised):
/// the multiset of rows decides it, not their order, and a row taken back out (a repeated key) leaves it as if the row
/// had never been there.
/// </summary>
public sealed class FilingHashTests
{
    [Fact]
    public void ContentHash_FollowsTheRowsNotTheirOrder_AndARemovedRowLeavesIt()
    {
        var spec = DatasetSpecParser.Parse(
            """
            dataset: d
            tables:
              - name: t
                columns:
                  - {name: state, type: string}
                  - {name: n, type: int}
            """, "hash.yaml").Tables[0];
        var table = new PhysicalTable("d", spec);
        var flags = Filing.Flags(spec);
        object?[][] rows = [["TX", 3L], ["CA", 5L], [null, 7L]];

        var forward = new Filing("fl-1", table, null, null);
        var backward = new Filing("fl-2", table, null, null);
        foreach (var row in rows)
        {
            forward.Add(row, spec, flags.Vintage, flags.Period);
        }

        foreach (var row in rows.Reverse())
        {
            backward.Add(row, spec, flags.Vintage, flags.Period);
        }

        Assert.Equal(forward.ContentHash, backward.ContentHash);

        var other = new Filing("fl-3", table, null, null);
        foreach (var row in new object?[][] { ["TX", 3L], ["CA", 5L], [null, 8L] })
        {
            other.Add(row, spec, flags.Vintage, flags.Period);
        }

        Assert.NotEqual(forward.ContentHash, other.ContentHash);
        other.Remove([null, 8L], flags.Vintage, flags.Period);
        other.Add([null, 7L], spec, flags.Vintage, flags.Period);
        Assert.Equal(forward.ContentHash, other.ContentHash);
    }
}
