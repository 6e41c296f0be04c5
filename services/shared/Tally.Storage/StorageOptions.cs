using System.ComponentModel.DataAnnotations;

namespace Tally.Storage;

/// <summary>Where a service keeps its state. Bound from the "Tally:Storage" section.</summary>
public sealed class StorageOptions
{
    public const string Section = "Tally:Storage";

    /// <summary>"sqlite" (embedded default, one file per service) or "postgres" (one schema per service).</summary>
    [Required, RegularExpression("^(sqlite|postgres)$", ErrorMessage = "Tally:Storage:Provider must be 'sqlite' or 'postgres'.")]
    public string Provider { get; set; } = "sqlite";

    /// <summary>Folder for SQLite files (created if missing). Ignored for PostgreSQL.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>Npgsql connection string; required when Provider is "postgres".</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Use a private in-memory SQLite database per service (tests and throwaway runs).</summary>
    public bool InMemory { get; set; }
}
