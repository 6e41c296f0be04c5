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

    /// <summary>A vintage as queries see it.</summary>
    public sealed record Vintage(VintageRow Row, IReadOnlyList<Finding> Errors, IReadOnlyList<string> Files, string? SnapshotId);

    public async Task<DatasetSpec> SpecAsync(string dataset, CancellationToken cancellationToken)
    {
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

        if (_specs.TryGetValue(dataset, out var cached) && cached.UpdatedAt == row.UpdatedAt)
        {
            return cached.Spec;
        }

        var spec = DatasetSpecParser.Parse(row.Yaml, row.Origin);
        _specs[dataset] = (row.UpdatedAt, spec);
        return spec;
    }

    /// <summary>The dataset's table by name; an empty name means the dataset's only table.</summary>
    public async Task<(DatasetSpec Spec, PhysicalTable Table)> TableAsync(string dataset, string? table, CancellationToken cancellationToken)
    {
        var spec = await SpecAsync(dataset, cancellationToken);
        TableSpec? t;
        if (string.IsNullOrEmpty(table))
        {
            t = spec.Tables.Length == 1 ? spec.Tables[0] : throw new DatasetException(DatasetErrorKind.InvalidArgument,
                $"Dataset '{dataset}' has {spec.Tables.Length} tables ({string.Join(", ", spec.Tables.Select(x => x.Name))}); name one (dataset/table).");
        }
        else
        {
            t = spec.Table(table) ?? throw new DatasetException(DatasetErrorKind.NotFound,
                $"Dataset '{dataset}' has no table '{table}'. Tables: {string.Join(", ", spec.Tables.Select(x => x.Name))}.");
        }

        return (spec, new PhysicalTable(spec.Name, t));
    }

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
