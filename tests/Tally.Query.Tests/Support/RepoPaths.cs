namespace Tally.Query.Tests.Support;

/// <summary>Finds the repository (the directory holding Platform.sln), its catalog and the shared seeds next to it.</summary>
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

        throw new InvalidOperationException($"No Platform.sln above {AppContext.BaseDirectory}; run the tests from the repository.");
    });

    public static string RepoRoot => Root.Value;

    public static string BundledCatalog => Path.Combine(RepoRoot, "catalog");
}
