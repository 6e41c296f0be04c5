using System.Collections.Concurrent;
using Dapper;
using Tally.Datasets.Specs;
using Tally.Datasets.Storage;
using Tally.Storage;

namespace Tally.Datasets.Query;

/// <summary>Reads what has been loaded: datasets and their stored specs (cached per update), tables, vintages with their files and error findings.</summary>
internal sealed class DatasetCatalogReader(ServiceDatabase db)
{
    private readonly ConcurrentDictionary<string, (long UpdatedAt, DatasetSpec Spec)> _specs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Dataset, string Table), (DataVersion Version, List<Vintage> Vintages)> _vintages = new();
    private long _generation;

    /// <summary>
    /// What the stored vintages of a dataset depend on: its row's updated_at (every completed load's switch sets it, in
    /// whichever process ran the load) and this process's count of completed loads (two loads within one millisecond).
    /// </summary>
    public readonly record struct DataVersion(long UpdatedAt, long Generation);

    /// <summary>Called after every completed load of this engine: cached vintages are read again.</summary>
    public void Invalidate() => Interlocked.Increment(ref _generation);

    /// <summary>A vintage as queries see it.</summary>
    public sealed record Vintage(VintageRow Row, IReadOnlyList<Finding> Errors, IReadOnlyList<string> Files, string? SnapshotId);

    public async Task<DatasetSpec> SpecAsync(string dataset, CancellationToken cancellationToken) =>
        (await VersionedSpecAsync(dataset, cancellationToken)).Spec;

    /// <summary>The dataset's stored spec and the version its vintages are at.</summary>
    public async Task<(DatasetSpec Spec, DataVersion Version)> VersionedSpecAsync(string dataset, CancellationToken cancellationToken)
    {
        var generation = Interlocked.Read(ref _generation);
        await using var connection = await db.OpenAsync(cancellationToken);
        var row = await connection.QueryFirstOrDefaultAsync<(string Yaml, string Origin, long UpdatedAt)>(
            "SELECT spec_yaml, spec_origin, updated_at FROM ds_datasets WHERE id = @Id OR name = @Id", new { Id = dataset });
        if (row.Yaml is null)
        {
            var names = (await connection.QueryAsync<string>("SELECT name FROM ds_datasets")).ToList();
            throw new DatasetException(DatasetErrorKind.NotFound, names.Count == 0
                ? $"Dataset '{dataset}' has not been loaded; no dataset has. Ingest its file first."
                : $"Dataset '{dataset}' has not been loaded. Loaded datasets nearest to it: {string.Join(", ", MetricStore.Nearest(names, dataset))}.");
        }

        var version = new DataVersion(row.UpdatedAt, generation);
        if (_specs.TryGetValue(dataset, out var cached) && cached.UpdatedAt == row.UpdatedAt)
        {
            return (cached.Spec, version);
        }

        var spec = DatasetSpecParser.Parse(row.Yaml, row.Origin);
        _specs[dataset] = (row.UpdatedAt, spec);
        return (spec, version);
    }

    /// <summary>Every table's vintages of a dataset, cached while the dataset's version stays the same (ListDatasets on each Ask's cache key).</summary>
    public async Task<List<Vintage>> AllVintagesAsync(string dataset, CancellationToken cancellationToken)
    {
        var (_, version) = await VersionedSpecAsync(dataset, cancellationToken);
        var key = (dataset, "*");
        if (_vintages.TryGetValue(key, out var hit) && hit.Version == version)
        {
            return hit.Vintages;
        }

        var vintages = await VintagesAsync(dataset, null, cancellationToken);
        _vintages[key] = (version, vintages);
        return vintages;
    }

    /// <summary>
    /// The dataset's table (as <see cref="TableAsync"/>) and its vintages, the latter cached while the dataset's version
    /// stays the same: the warm path of a computed metric reads the spec row and its aggregates, nothing else.
    /// </summary>
    public async Task<(DatasetSpec Spec, PhysicalTable Table, List<Vintage> Vintages)> TableWithVintagesAsync(string dataset, string? table, CancellationToken cancellationToken)
    {
        var (spec, version) = await VersionedSpecAsync(dataset, cancellationToken);
        var physical = new PhysicalTable(spec.Name, ResolveTable(spec, dataset, table));
        var key = (dataset, physical.Spec.Name);
        if (_vintages.TryGetValue(key, out var hit) && hit.Version == version)
        {
            return (spec, physical, hit.Vintages);
        }

        var vintages = await VintagesAsync(dataset, physical.Spec.Name, cancellationToken);
        _vintages[key] = (version, vintages);
        return (spec, physical, vintages);
    }

    /// <summary>The dataset's table by name; an empty name means the dataset's only table.</summary>
    public async Task<(DatasetSpec Spec, PhysicalTable Table)> TableAsync(string dataset, string? table, CancellationToken cancellationToken)
    {
        var spec = await SpecAsync(dataset, cancellationToken);
        return (spec, new PhysicalTable(spec.Name, ResolveTable(spec, dataset, table)));
    }

    private static TableSpec ResolveTable(DatasetSpec spec, string dataset, string? table) =>
        string.IsNullOrEmpty(table)
            ? spec.Tables.Length == 1 ? spec.Tables[0] : throw new DatasetException(DatasetErrorKind.InvalidArgument,
                $"Dataset '{dataset}' has {spec.Tables.Length} tables ({string.Join(", ", spec.Tables.Select(x => x.Name))}); name one (dataset/table).")
            : spec.Table(table) ?? throw new DatasetException(DatasetErrorKind.NotFound,
                $"Dataset '{dataset}' has no table '{table}'. Tables: {string.Join(", ", spec.Tables.Select(x => x.Name))}.");

    public async Task<List<Vintage>> VintagesAsync(string dataset, string? table, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        var rows = (await connection.QueryAsync<VintageRow>(
            $"SELECT {VintageRow.Select} FROM ds_vintages v JOIN ds_datasets d ON d.id = v.dataset_id WHERE (d.id = @Dataset OR d.name = @Dataset){(string.IsNullOrEmpty(table) ? "" : " AND v.table_name = @Table")}",
            new { Dataset = dataset, Table = string.IsNullOrEmpty(table) ? null : table })).ToList();
        var errors = (await connection.QueryAsync<FindingRow>(
            $"SELECT {FindingRow.Select} FROM ds_findings f JOIN ds_vintages v ON v.id = f.vintage_id JOIN ds_datasets d ON d.id = f.dataset_id WHERE (d.id = @Dataset OR d.name = @Dataset) AND f.severity = 3",
            new { Dataset = dataset })).ToLookup(r => r.VintageId!);
        var files = (await connection.QueryAsync<(string Vintage, string File, string? Published, long Canonical, string? Snapshot)>(
            """
            SELECT f.vintage_id, f.file_name, f.published_date, f.canonical, l.snapshot_id
            FROM ds_filings f JOIN ds_loads l ON l.id = f.load_id JOIN ds_datasets d ON d.id = f.dataset_id
            WHERE d.id = @Dataset OR d.name = @Dataset
            """, new { Dataset = dataset })).ToLookup(f => f.Vintage);
        return [.. rows.Select(r => new Vintage(r,
            errors[r.Id].Select(e => e.ToFinding()).ToList(),
            files[r.Id].OrderByDescending(f => f.Canonical).ThenBy(f => f.Published, StringComparer.Ordinal)
                .Select(f => f.Published is null ? f.File : $"{f.File} (published {f.Published})").Distinct().ToList(),
            files[r.Id].FirstOrDefault(f => f.Canonical == 1).Snapshot))];
    }

    public static VintageInfo Info(Vintage v) => new(
        v.Row.Id, v.Row.TableName, v.Row.Label, v.Row.Date, v.Row.Published, v.Row.Years, v.Row.RowCount, v.Row.Suspect != 0, v.Row.Note,
        v.Row.LoadId, v.SnapshotId, v.Files, DateTimeOffset.FromUnixTimeMilliseconds(v.Row.CreatedAt));
}
