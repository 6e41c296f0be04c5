using Tally.Datasets.Reading;

namespace Tally.Datasets.Tests;

/// <summary>
/// A reader's cell strings: a value a column repeats is one shared string, a column of distinct values stops being
/// looked up, and what is kept stays bounded. Whatever is shared, every cell reads back as the text of the file.
/// </summary>
public sealed class CellStringsTests
{
    [Fact]
    public void RepeatedValuesOfAColumn_ShareOneString()
    {
        var strings = new CellStrings();
        var first = strings.Get(3, "Texas".AsSpan());
        var again = strings.Get(3, "Texas".ToCharArray());

        Assert.Equal("Texas", first);
        Assert.Same(first, again);
        Assert.Equal("", strings.Get(3, ReadOnlySpan<char>.Empty));
    }

    [Fact]
    public void ColumnsAreKeptApart()
    {
        var strings = new CellStrings();
        var inColumn0 = strings.Get(0, "2024".AsSpan());
        var inColumn1 = strings.Get(1, "2024".AsSpan());

        Assert.Equal(inColumn0, inColumn1);
        Assert.NotSame(inColumn0, inColumn1);
        Assert.Same(inColumn1, strings.Get(1, "2024".AsSpan()));
    }

    [Fact]
    public void AColumnOfDistinctValues_StopsBeingShared_AfterItsProbe()
    {
        var strings = new CellStrings();
        for (var i = 0; i < CellStrings.ProbeCells; i++)
        {
            Assert.Equal($"S{i:D10}", strings.Get(0, $"S{i:D10}".AsSpan()));
        }

        // Past the probe the column is not looked up: even an exact repeat gets a string of its own.
        var a = strings.Get(0, "S0000000001".AsSpan());
        var b = strings.Get(0, "S0000000001".AsSpan());
        Assert.Equal("S0000000001", a);
        Assert.NotSame(a, b);
    }

    [Fact]
    public void AColumnThatRepeats_KeepsSharingPastItsProbe()
    {
        var strings = new CellStrings();
        for (var i = 0; i < CellStrings.ProbeCells * 2; i++)
        {
            strings.Get(0, (i % 3 == 0 ? "Male" : "Female").AsSpan());
        }

        Assert.Same(strings.Get(0, "Male".AsSpan()), strings.Get(0, "Male".AsSpan()));
    }

    [Fact]
    public void LongCellsAndFarColumns_AreNeverShared()
    {
        var strings = new CellStrings();
        var longText = new string('x', CellStrings.MaxChars + 1);
        Assert.NotSame(strings.Get(0, longText.AsSpan()), strings.Get(0, longText.AsSpan()));
        Assert.Equal(longText, strings.Get(0, longText.AsSpan()));

        var far = CellStrings.MaxColumns;
        Assert.Equal("far", strings.Get(far, "far".AsSpan()));
        Assert.NotSame(strings.Get(far, "far".AsSpan()), strings.Get(far, "far".AsSpan()));
    }

    [Fact]
    public void KeptValues_AreBoundedPerColumn()
    {
        var strings = new CellStrings();
        // Half the cells repeat the first value, so the column keeps sharing; the other half are all different.
        for (var i = 0; i < CellStrings.MaxValuesPerColumn * 3; i++)
        {
            strings.Get(0, (i % 2 == 0 ? "same" : $"v{i}").AsSpan());
        }

        // Values seen after the column was full are correct but not kept.
        var late = $"v{CellStrings.MaxValuesPerColumn * 3 - 1}";
        Assert.NotSame(strings.Get(0, late.AsSpan()), strings.Get(0, late.AsSpan()));
        Assert.Same(strings.Get(0, "same".AsSpan()), strings.Get(0, "same".AsSpan()));
    }

    [Fact]
    public void KeptCharacters_AreBoundedAcrossColumns()
    {
        var strings = new CellStrings();
        // 64 columns that keep sharing (every other cell repeats), each offered 2,048 distinct 40-character values:
        // about 5 Mi characters, more than the budget.
        for (var c = 0; c < 64; c++)
        {
            for (var i = 0; i < CellStrings.ProbeCells; i++)
            {
                strings.Get(c, (i % 2 == 0 ? "same" : i.ToString("D40", System.Globalization.CultureInfo.InvariantCulture)).AsSpan());
            }
        }

        Assert.InRange(strings.CharsKept, CellStrings.BudgetChars - CellStrings.MaxChars, CellStrings.BudgetChars);
        Assert.Same(strings.Get(0, "same".AsSpan()), strings.Get(0, "same".AsSpan())); // kept before the budget ran out
        Assert.Equal("same", strings.Get(63, "same".AsSpan()));
    }
}
