using System.Globalization;

namespace Tally.Analysis.Tests;

internal static class TestDates
{
    /// <summary>The reference date used throughout: the day seed 003 was checked.</summary>
    public static readonly DateOnly Today = new(2025, 11, 22);

    public static DateOnly D(string iso) => DateOnly.ParseExact(iso, "yyyy-MM-dd", CultureInfo.InvariantCulture);
}

/// <summary>The shared seed documents (../shared/seeds relative to the repository root), when present.</summary>
internal static class Seeds
{
    public static string? Directory { get; } = Find();

    public static string Read(string prefix)
    {
        var dir = Directory ?? throw new InvalidOperationException("seeds not present");
        var file = System.IO.Directory.GetFiles(dir, prefix + "_*.txt").Single();
        return File.ReadAllText(file);
    }

    private static string? Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Directory.Build.props")))
            {
                var seeds = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "seeds"));
                return System.IO.Directory.Exists(seeds) ? seeds : null;
            }
        }

        return null;
    }
}

/// <summary>A fact that runs only when ../shared/seeds is present (it is not part of the repository).</summary>
public sealed class SeedFactAttribute : FactAttribute
{
    public SeedFactAttribute()
    {
        if (Seeds.Directory is null)
        {
            Skip = "../shared/seeds is not present next to the repository; seed-document tests need it";
        }
    }
}

/// <summary>A fact that runs only when pdftotext (poppler-utils) is installed.</summary>
public sealed class PdfFactAttribute : FactAttribute
{
    public PdfFactAttribute()
    {
        if (!PdfTool.Installed)
        {
            Skip = "pdftotext is not installed (apt-get install poppler-utils); PDF extraction is not tested";
        }
    }
}

internal static class PdfTool
{
    public static bool Installed { get; } = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Any(p => File.Exists(Path.Combine(p, "pdftotext")));
}
