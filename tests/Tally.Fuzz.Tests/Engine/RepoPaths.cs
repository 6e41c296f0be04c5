namespace Tally.Fuzz.Tests.Engine;

/// <summary>The repository (the directory holding Platform.sln), this project's source folder, and ../shared.</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> Root = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Platform.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"No Platform.sln above {AppContext.BaseDirectory}; run the fuzz tests from the repository.");
    });

    public static string RepoRoot => Root.Value;

    /// <summary>tests/Tally.Fuzz.Tests/Regressions/&lt;target&gt; in the source tree (replayed every run; make fuzz adds to it).</summary>
    public static string Regressions(string target) => Path.Combine(RepoRoot, "tests", "Tally.Fuzz.Tests", "Regressions", target);

    /// <summary>artifacts/fuzz: failing inputs of this run and the input each target is running right now.</summary>
    public static string Artifacts => Path.Combine(RepoRoot, "artifacts", "fuzz");

    public static string Catalog => Path.Combine(RepoRoot, "catalog");

    /// <summary>../shared/&lt;sub&gt; next to the repository, or null when it is absent (extra seeds only).</summary>
    public static string? Shared(string sub)
    {
        var dir = Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", sub));
        return Directory.Exists(dir) ? dir : null;
    }

    /// <summary>Files of ../shared/&lt;sub&gt; matching <paramref name="pattern"/>, each cut to <paramref name="maxBytes"/>; empty when absent.</summary>
    public static IReadOnlyList<byte[]> SharedSeeds(string sub, string pattern, int maxBytes, int maxFiles = 12)
    {
        if (Shared(sub) is not { } dir)
        {
            return [];
        }
        return Directory.EnumerateFiles(dir, pattern, SearchOption.AllDirectories).Order(StringComparer.Ordinal).Take(maxFiles)
            .Select(path =>
            {
                using var file = File.OpenRead(path);
                var buffer = new byte[Math.Min(maxBytes, file.Length)];
                file.ReadExactly(buffer);
                return buffer;
            })
            .ToList();
    }
}
