namespace Tally.Catalog.Tests;

/// <summary>Finds the repository (the directory holding Platform.sln) and the shared seeds next to it.</summary>
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

    /// <summary>../shared/seeds relative to the repository root, or null when it is not there.</summary>
    public static string? SeedsDirectory
    {
        get
        {
            var dir = Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "seeds"));
            return Directory.Exists(dir) ? dir : null;
        }
    }
}

/// <summary>A fact that runs only when ../shared/seeds exists, and says so when it is skipped.</summary>
public sealed class SeedsFactAttribute : FactAttribute
{
    public SeedsFactAttribute()
    {
        if (RepoPaths.SeedsDirectory is null)
        {
            Skip = "../shared/seeds (relative to the repository root) is absent, so seed citations cannot be verified here.";
        }
    }
}
