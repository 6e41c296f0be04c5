namespace Tally.EndToEnd.Tests.Support;

/// <summary>Where the repository and the service hosts' build output are (same configuration as this test assembly).</summary>
public static class HostBuild
{
    private static readonly Lazy<string?> Root = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Platform.sln")))
            {
                return dir.FullName;
            }
        }

        return null;
    });

    private static readonly Dictionary<string, string> Projects = new(StringComparer.Ordinal)
    {
        ["query"] = "services/query/Tally.Query.Host",
        ["ingestion"] = "services/ingestion/Tally.Ingestion.Host",
        ["definitions"] = "services/definitions/Tally.Definitions.Host",
        ["citations"] = "services/citations/Tally.Citations.Host",
    };

    public static string RepoRoot => Root.Value ?? throw new InvalidOperationException($"No Platform.sln above {AppContext.BaseDirectory}.");

    /// <summary>Release or Debug: whatever this assembly was built as (…/bin/Release/net10.0/).</summary>
    public static string Configuration { get; } = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent?.Name ?? "Release";

    public static string DllOf(string service)
    {
        var project = Projects[service];
        return Path.Combine(RepoRoot, project, "bin", Configuration, "net10.0", Path.GetFileName(project) + ".dll");
    }

    /// <summary>Null when every host is built; otherwise what is missing.</summary>
    public static string? Missing()
    {
        if (Root.Value is null)
        {
            return $"no Platform.sln above {AppContext.BaseDirectory}";
        }

        var missing = Projects.Keys.Select(DllOf).Where(p => !File.Exists(p)).ToList();
        return missing.Count == 0 ? null : $"not built: {string.Join(", ", missing)} (dotnet build scripts/hosts.slnf -c {Configuration})";
    }
}
