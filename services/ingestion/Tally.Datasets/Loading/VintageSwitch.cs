using System.Data.Common;
using System.Globalization;
using Dapper;
using Tally.Datasets.Storage;

namespace Tally.Datasets.Loading;

/// <summary>A vintage a load touched: new, or an existing one the load filed again.</summary>
internal sealed record TouchedVintage(string VintageId, string Label, PhysicalTable Table, bool IsNew);

/// <summary>
/// Assigns a load's filings to vintages inside the switch transaction. The same vintage date with identical
/// content is one vintage (a second filing, stored but never counted twice); a vintage date filed with different
/// content becomes a second vintage labelled "date/published", with a VINTAGE_CONFLICT warning.
/// </summary>
internal sealed class VintageSwitch(DbConnection connection, DbTransaction tx, string datasetId, string loadId, DatasetUpload upload, string sha, long now)
{
    private sealed class Existing
    {
        public Existing()
        {
        }

        public Existing(string id, string tableName, string label, string? vintageDate, string contentHash) =>
            (Id, TableName, Label, VintageDate, ContentHash) = (id, tableName, label, vintageDate, contentHash);

        public string Id { get; set; } = "";
        public string TableName { get; set; } = "";
        public string Label { get; set; } = "";
        public string? VintageDate { get; set; }
        public string ContentHash { get; set; } = "";
    }

    public async Task<List<TouchedVintage>> AssignAsync(List<Filing> filings, List<(Filing Filing, Finding Finding)> findings, CancellationToken cancellationToken)
    {
        var existing = (await connection.QueryAsync<Existing>(
            "SELECT id AS Id, table_name AS TableName, label AS Label, vintage_date AS VintageDate, content_hash AS ContentHash FROM ds_vintages WHERE dataset_id = @Dataset",
            new { Dataset = datasetId }, tx)).ToList();
        var touched = new List<TouchedVintage>();
        var fallbackLabel = upload.Vintage is { Length: > 0 } v ? v.Trim() : $"sha-{sha[..12]}";
        var fallbackDate = DateOnly.TryParseExact(fallbackLabel, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _) ? fallbackLabel : null;
        foreach (var filing in filings.OrderBy(f => f.Table.Spec.Name, StringComparer.Ordinal)
                     .ThenBy(f => f.VintageDateText, StringComparer.Ordinal).ThenBy(f => f.PublishedText, StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var table = filing.Table.Spec.Name;
            var vintageDate = filing.VintageDateText ?? fallbackDate;
            var baseLabel = filing.VintageDateText ?? fallbackLabel;
            var same = existing.Where(e => e.TableName == table && (e.VintageDate is not null ? e.VintageDate == vintageDate : e.Label == baseLabel)).ToList();
            var match = same.FirstOrDefault(e => e.ContentHash == filing.ContentHash);
            if (match is not null)
            {
                await InsertFilingAsync(filing, match.Id, canonical: false);
                await LoadRun.InsertFindingAsync(connection, tx, datasetId, loadId, match.Id, "vintage", new Finding(FindingSeverity.Info, "DUPLICATE_FILING",
                    $"Vintage {match.Label} was filed again{(filing.PublishedText is null ? "" : $" (published {filing.PublishedText})")} in '{upload.FileName}' with identical content; it is one vintage and is counted once.",
                    filing.Rows, null, table, match.Label));
                touched.Add(new TouchedVintage(match.Id, match.Label, filing.Table, IsNew: false));
                continue;
            }

            var label = baseLabel;
            if (existing.Any(e => e.TableName == table && e.Label == label))
            {
                label = filing.PublishedText is null ? label : $"{baseLabel}/{filing.PublishedText}";
                for (var n = 2; existing.Any(e => e.TableName == table && e.Label == label); n++)
                {
                    label = $"{baseLabel}~{n}";
                }
            }

            var id = Ids.New("vt");
            await connection.ExecuteAsync(
                """
                INSERT INTO ds_vintages (id, dataset_id, table_name, label, vintage_date, published_date, filing_id, content_hash, values_hash, fiscal_years,
                    period_start, period_end, row_count, suspect, note, load_id, created_at)
                VALUES (@Id, @Dataset, @Table, @Label, @VintageDate, @Published, @Filing, @Content, @Values, @Years, @Start, @End, @Rows, 0, NULL, @Load, @Now)
                """,
                new
                {
                    Id = id, Dataset = datasetId, Table = table, Label = label, VintageDate = vintageDate, Published = filing.PublishedText, Filing = filing.Id,
                    Content = filing.ContentHash, Values = filing.ValuesHash, Years = string.Join(",", filing.FiscalYears),
                    Start = filing.MinDate, End = filing.MaxDate, Rows = filing.Rows, Load = loadId, Now = now,
                }, tx);
            await InsertFilingAsync(filing, id, canonical: true);
            foreach (var (_, finding) in findings.Where(f => f.Filing == filing))
            {
                await LoadRun.InsertFindingAsync(connection, tx, datasetId, loadId, id, "vintage", finding with { Vintage = label });
            }

            if (same.Count > 0)
            {
                await LoadRun.InsertFindingAsync(connection, tx, datasetId, loadId, id, "vintage", new Finding(FindingSeverity.Warning, "VINTAGE_CONFLICT",
                    $"Vintage date {vintageDate} was already filed with different content (as {string.Join(", ", same.Select(s => s.Label))}); this filing is kept as vintage {label}. One of them may carry a wrong date.",
                    filing.Rows, null, table, label));
            }

            existing.Add(new Existing(id, table, label, vintageDate, filing.ContentHash));
            touched.Add(new TouchedVintage(id, label, filing.Table, IsNew: true));
        }

        return touched;
    }

    private Task<int> InsertFilingAsync(Filing filing, string vintageId, bool canonical) =>
        connection.ExecuteAsync(
            """
            INSERT INTO ds_filings (id, vintage_id, dataset_id, table_name, load_id, file_name, published_date, row_count, content_hash, canonical)
            VALUES (@Id, @Vintage, @Dataset, @Table, @Load, @File, @Published, @Rows, @Content, @Canonical)
            """,
            new
            {
                filing.Id, Vintage = vintageId, Dataset = datasetId, Table = filing.Table.Spec.Name, Load = loadId, File = upload.FileName,
                Published = filing.PublishedText, filing.Rows, Content = filing.ContentHash, Canonical = canonical ? 1 : 0,
            }, tx);

    public async Task<List<Finding>> FindingsOfAsync(List<string> vintageIds)
    {
        var result = new List<Finding>();
        foreach (var chunk in vintageIds.Chunk(500))
        {
            var p = Cleanup.Params(chunk, "v");
            result.AddRange((await connection.QueryAsync<FindingRow>(
                $"SELECT {FindingRow.Select} FROM ds_findings f JOIN ds_vintages v ON v.id = f.vintage_id WHERE f.vintage_id IN ({string.Join(", ", chunk.Select((_, i) => "@v" + i))})",
                p, tx)).Select(r => r.ToFinding()));
        }

        return result;
    }
}
