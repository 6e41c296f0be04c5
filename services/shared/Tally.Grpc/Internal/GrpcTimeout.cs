using System.Globalization;

namespace Tally.Grpc.Internal;

/// <summary>The grpc-timeout header: 1 to 8 ASCII digits and a unit (H M S m u n).</summary>
internal static class GrpcTimeout
{
    private const long MaxValue = 99_999_999;

    // Units from finest to coarsest, with their length in 100 ns ticks (nanoseconds are handled apart).
    private static readonly (char Unit, long Ticks)[] Units =
        [('u', 10), ('m', TimeSpan.TicksPerMillisecond), ('S', TimeSpan.TicksPerSecond), ('M', TimeSpan.TicksPerMinute), ('H', TimeSpan.TicksPerHour)];

    public static bool TryParse(ReadOnlySpan<char> value, out TimeSpan timeout)
    {
        timeout = default;
        if (value.Length < 2 || value.Length > 9)
        {
            return false;
        }
        long amount = 0;
        foreach (var c in value[..^1])
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
            amount = amount * 10 + (c - '0');
        }
        long ticks;
        switch (value[^1])
        {
            case 'n': ticks = (amount + 99) / 100; break;
            case 'u': ticks = amount * 10; break;
            case 'm': ticks = amount * TimeSpan.TicksPerMillisecond; break;
            case 'S': ticks = amount * TimeSpan.TicksPerSecond; break;
            case 'M': ticks = amount * TimeSpan.TicksPerMinute; break;
            case 'H': ticks = amount * TimeSpan.TicksPerHour; break;
            default: return false;
        }
        timeout = TimeSpan.FromTicks(ticks);
        return true;
    }

    /// <summary>The most precise unit whose value fits in 8 digits; rounds up so a deadline is never shortened.</summary>
    public static string Format(TimeSpan timeout)
    {
        var ticks = Math.Max(0, timeout.Ticks);
        if (ticks * 100 <= MaxValue)
        {
            return (ticks * 100).ToString(CultureInfo.InvariantCulture) + "n";
        }
        foreach (var (unit, unitTicks) in Units)
        {
            var amount = (ticks + unitTicks - 1) / unitTicks;
            if (amount <= MaxValue)
            {
                return amount.ToString(CultureInfo.InvariantCulture) + unit.ToString();
            }
        }
        return MaxValue.ToString(CultureInfo.InvariantCulture) + "H";
    }
}
