namespace Tally.Contracts.Tests;

/// <summary>Locates the repository's protos/ directory from the test's output folder.</summary>
internal static class ProtoFiles
{
    public static string Root { get; } = FindRoot();

    /// <summary>Every .proto under protos/, as paths relative to it with forward slashes.</summary>
    public static IReadOnlyList<string> All { get; } =
        Directory.EnumerateFiles(Root, "*.proto", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(Root, p).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToArray();

    public static string Read(string relativePath) => File.ReadAllText(Path.Combine(Root, relativePath));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var protos = Path.Combine(dir.FullName, "protos");
            if (File.Exists(Path.Combine(dir.FullName, "Directory.Build.props")) && Directory.Exists(protos))
            {
                return protos;
            }
        }

        throw new InvalidOperationException(
            $"Could not find the repository's protos/ directory above {AppContext.BaseDirectory}; run the tests from inside the repository.");
    }
}
