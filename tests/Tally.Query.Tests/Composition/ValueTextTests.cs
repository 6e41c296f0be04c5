using Tally.Common.V1;
using Tally.Query.Composition;

namespace Tally.Query.Tests.Composition;

/// <summary>Numbers as readers see them, and shares stored either way (32.7 as printed, or 0.327).</summary>
public sealed class ValueTextTests
{
    [Theory]
    [InlineData(271484, "count", "271,484", Qualifier.Exact, "271,484")]
    [InlineData(287000, "count", "Nearly 287,000", Qualifier.Nearly, "nearly 287,000")]
    [InlineData(1800000, "count", "1.8M +", Qualifier.MoreThan, "more than 1.8 million")]
    [InlineData(886000000, "usd", "$886M", Qualifier.Approximately, "about $886 million")]
    [InlineData(1600000, "pound", "1.6M", Qualifier.Approximately, "about 1.6 million pounds")]
    [InlineData(32.7, "percent", "32.7%", Qualifier.Approximately, "about 32.7%")]
    [InlineData(0.327, "percent", "32.7%", Qualifier.Exact, "32.7%")]
    [InlineData(1, "percent", "just over 1%", Qualifier.MoreThan, "more than 1%")]
    [InlineData(100000, "count", "hundreds of thousands", Qualifier.Approximately, "hundreds of thousands")]
    public void Format_FigureAsPrinted_ReadsAsAReaderExpects(double value, string unit, string printed, Qualifier qualifier, string expected)
    {
        var figure = new Figure { Value = value, Unit = unit, ValueText = printed, Qualifier = qualifier };

        Assert.Equal(expected, ValueText.Format(figure));
    }

    [Theory]
    [InlineData(32.7, "32.7%", 0.327)]
    [InlineData(0.327, "32.7%", 0.327)]
    [InlineData(1, "just over 1%", 0.01)]
    [InlineData(50, "the majority", 0.5)]
    public void BaseValue_PercentStoredEitherWay_IsAFraction(double stored, string printed, double expected)
    {
        Assert.Equal(expected, ValueText.BaseValue(new Figure { Value = stored, Unit = "percent", ValueText = printed }), 9);
    }
}
