using Microsoft.Extensions.Logging;
using Tally.Definitions.Storage;

namespace Tally.Definitions.Registry;

/// <summary>Holds the current <see cref="RegistrySnapshot"/> and rebuilds it from storage after a change.</summary>
public sealed partial class DefinitionRegistry(RegistryStore store, ILogger<DefinitionRegistry> logger) : IDisposable
{
    private readonly SemaphoreSlim _reload = new(1, 1);
    private volatile RegistrySnapshot? _current;

    /// <summary>True once the first snapshot is loaded (the service is ready).</summary>
    public bool IsLoaded => _current is not null;

    /// <summary>The current snapshot; throws before the registry has loaded.</summary>
    public RegistrySnapshot Current => _current ?? throw new InvalidOperationException(
        "The metric registry has not finished loading yet; retry in a moment.");

    public RegistryStore Store => store;

    public void Dispose() => _reload.Dispose();

    /// <summary>Rebuilds the snapshot unless the stored catalog version equals the loaded one (set force to rebuild anyway).</summary>
    public async Task<RegistrySnapshot> ReloadAsync(bool force = false, CancellationToken cancellationToken = default)
    {
        await _reload.WaitAsync(cancellationToken);
        try
        {
            if (!force && _current is { } loaded && await store.CatalogVersionAsync(cancellationToken) == loaded.CatalogVersion)
            {
                return loaded;
            }

            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var snapshot = RegistrySnapshot.Build(await store.LoadAsync(cancellationToken));
            _current = snapshot;
            LogLoaded(logger, snapshot.CatalogVersion, snapshot.Metrics.Count, snapshot.Relations.Count, snapshot.Glossary.Count,
                System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return snapshot;
        }
        finally
        {
            _reload.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Metric registry loaded: catalog version {CatalogVersion}, {Metrics} metrics, {Relations} relations, {Glossary} glossary entries ({Milliseconds:0.0} ms)")]
    private static partial void LogLoaded(ILogger logger, int catalogVersion, int metrics, int relations, int glossary, double milliseconds);
}
