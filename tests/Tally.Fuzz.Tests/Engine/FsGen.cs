using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace Tally.Fuzz.Tests.Engine;

/// <summary>FsCheck generators sampled with our seed, so generated inputs replay like mutants do.</summary>
internal static class FsGen
{
    /// <summary>One value of <paramref name="gen"/> for <paramref name="seed"/> (FsCheck size 30: lists of up to ~30 items).</summary>
    public static T Sample<T>(Gen<T> gen, ulong seed, int size = 30) => gen.Sample(size, new Rnd(seed), 1)[0];

    public static Func<ulong, byte[]> Utf8(Gen<string> gen, int size = 30) => seed => Encoding.UTF8.GetBytes(Sample(gen, seed, size));

    /// <summary>Phrases drawn from <paramref name="parts"/>, joined by spaces or glued together.</summary>
    public static Gen<string> Phrase(params Gen<string>[] parts) =>
        Gen.ListOf(Gen.OneOf(parts)).SelectMany(words => Gen.Elements(" ", " ", " ", "", ", ", "\n"), (words, glue) => string.Join(glue, words));

    /// <summary>Integers people write (small, years, big) and the boundary numbers.</summary>
    public static Gen<string> Number() => Gen.OneOf(
        Gen.Choose(0, 40).Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        Gen.Choose(1890, 2110).Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        Gen.Choose(0, int.MaxValue).Select(n => n.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)),
        Gen.Elements(Oddities.BoundaryNumbers));

    public static Gen<string> Words(params string[] words) => Gen.Elements(words);
}
