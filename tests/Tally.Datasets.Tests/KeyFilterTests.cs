using Tally.Datasets.Loading;

namespace Tally.Datasets.Tests;

public sealed class KeyFilterTests
{
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
}
