using Tally.Datasets.Loading;
using Tally.Datasets.Specs;
using Tally.Datasets.Storage;

namespace Tally.Datasets.Tests;

/// <summary>
/// The key filter finds exactly the filings in which a key hash repeats, whether the keys fit in memory or were
/// sorted into runs on disk and merged; the same key in two different filings is not a repeat.
/// </summary>
public sealed class KeyFilterTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "tally-keyfilter-tests", Guid.NewGuid().ToString("N"));
    private readonly PhysicalTable _table = new("d", DatasetSpecParser.Parse(
        """
        dataset: d
        tables:
          - name: t
            columns:
              - {name: id, type: string}
        """, "keys.yaml").Tables[0]);

    public KeyFilterTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void KeysEqualInSql_HashEqual_AndDistinctKeysDoNot()
    {
        int[] key = [0, 1];
        Assert.Equal(KeyFilter.Hash([0.0, "a"], key), KeyFilter.Hash([-0.0, "a"], key)); // 0.0 = -0.0 in a GROUP BY
        Assert.Equal(KeyFilter.Hash([null, "a"], key), KeyFilter.Hash([null, "a"], key)); // NULLs group together
        Assert.NotEqual(KeyFilter.Hash(["ab", "c"], key), KeyFilter.Hash(["a", "bc"], key));
        Assert.NotEqual(KeyFilter.Hash([null, "a"], key), KeyFilter.Hash(["", "a"], key));
        Assert.NotEqual(KeyFilter.Hash([1L, "a"], key), KeyFilter.Hash([2L, "a"], key));
    }

    [Theory]
    [InlineData(1 << 20, 0)] // everything held in memory
    [InlineData(1000, 10)] // 10,001 keys: ten runs on disk, the repeat in memory
    [InlineData(7, 1428)] // runs of seven: the twins are in different runs
    public void ARepeatedKey_MarksItsFilingOnly_HeldOrSpilled(int budget, int runs)
    {
        var spill = Path.Combine(_dir, $"keys-{budget}");
        var clean = new Filing("fl-clean", _table, "2024-01-31", null);
        var repeats = new Filing("fl-repeats", _table, "2024-02-29", null);
        var alsoClean = new Filing("fl-also-clean", _table, "2024-03-31", null);
        using (var filter = new KeyFilter(budget, spill))
        {
            for (var i = 0; i < 10_000; i++)
            {
                var filing = (i % 3) switch { 0 => clean, 1 => repeats, _ => alsoClean };
                filter.Add(filing, [$"K{i / 3:D5}"], [0]); // each filing gets K00000 … K03333 once: the same keys, different filings
            }

            filter.Add(repeats, ["K01234"], [0]); // the one repeat
            Assert.Equal(runs, filter.SpilledRuns);
            Assert.Equal(runs > 0, File.Exists(spill));
            filter.Finish();
        }

        Assert.False(clean.MayRepeatKeys);
        Assert.True(repeats.MayRepeatKeys);
        Assert.False(alsoClean.MayRepeatKeys);
        Assert.False(File.Exists(spill)); // the runs are deleted with the filter
    }

    [Fact]
    public void NoRepeats_MarkNothing_AndABudgetOfZero_MarksEveryFiling()
    {
        var distinct = new Filing("fl-a", _table, null, null);
        using (var filter = new KeyFilter(64, Path.Combine(_dir, "distinct")))
        {
            for (var i = 0; i < 1000; i++)
            {
                filter.Add(distinct, [$"K{i}"], [0]);
            }

            filter.Finish();
        }

        Assert.False(distinct.MayRepeatKeys);

        var unchecked_ = new Filing("fl-b", _table, null, null);
        using (var none = new KeyFilter(0, Path.Combine(_dir, "none")))
        {
            none.Add(unchecked_, ["K1"], [0]);
            none.Finish();
        }

        Assert.True(unchecked_.MayRepeatKeys);
    }
}
