using Tally.Grpc.Internal;

namespace Tally.Grpc.Tests.Unit;

public sealed class GrpcTimeoutTests
{
    [Theory]
    [InlineData("1H", 36_000_000_000L)]
    [InlineData("2M", 1_200_000_000L)]
    [InlineData("3S", 30_000_000L)]
    [InlineData("250m", 2_500_000L)]
    [InlineData("15u", 150L)]
    [InlineData("100n", 1L)]
    [InlineData("1n", 1L)]
    [InlineData("0m", 0L)]
    [InlineData("99999999H", 99_999_999L * 36_000_000_000L)]
    public void TryParse_ValidValues(string value, long ticks)
    {
        Assert.True(GrpcTimeout.TryParse(value, out var timeout));
        Assert.Equal(ticks, timeout.Ticks);
    }

    [Theory]
    [InlineData("")]
    [InlineData("m")]
    [InlineData("10")]
    [InlineData("123456789m")]
    [InlineData("1.5S")]
    [InlineData("-1S")]
    [InlineData(" 1S")]
    [InlineData("1s")]
    [InlineData("1h")]
    [InlineData("1x")]
    public void TryParse_InvalidValues(string value) => Assert.False(GrpcTimeout.TryParse(value, out _));

    [Theory]
    [InlineData(1L, "100n")]
    [InlineData(10_000L, "1000000n")]
    [InlineData(10_000_000L, "1000000u")]
    [InlineData(1_000_000_000L, "100000m")]
    [InlineData(18_000_000_000L, "1800000m")]
    [InlineData(34_560_000_000_000L, "3456000S")]
    public void Format_PicksMostPreciseUnitWithinEightDigits(long ticks, string expected) =>
        Assert.Equal(expected, GrpcTimeout.Format(TimeSpan.FromTicks(ticks)));

    [Fact]
    public void Format_ThenParse_NeverShortensAndStaysClose()
    {
        var random = new Random(42);
        for (var i = 0; i < 1000; i++)
        {
            var timeout = TimeSpan.FromTicks((long)(Math.Pow(10, random.NextDouble() * 15)));
            var text = GrpcTimeout.Format(timeout);

            Assert.InRange(text.Length, 2, 9);
            Assert.True(GrpcTimeout.TryParse(text, out var parsed));
            Assert.True(parsed >= timeout, $"{text} < {timeout}");
            // The coarser unit is only chosen when the value exceeds 8 digits in the finer one: at least 1e5 units.
            Assert.True(parsed - timeout <= TimeSpan.FromTicks(1 + timeout.Ticks / 100_000), $"{text} too far from {timeout}");
        }
    }
}
