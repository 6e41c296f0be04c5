using System.Data.Common;
using System.Globalization;
using Dapper;
using Tally.Datasets.Specs;
using Tally.Datasets.Storage;

namespace Tally.Datasets.Loading;

/// <summary>
/// Rules that compare the vintages of one table, re-run whenever a load adds vintages (a new pull can show that an
/// old one was out of line): mislabelled fiscal years, stale copies, and year-to-date counters that fall between
/// pulls. Afterwards every vintage's suspect flag and note are recomputed from its error findings.
/// </summary>
internal static class CrossVintageChecks
{
    private static readonly string[] DatingCodes = ["MISLABELLED_FISCAL_YEAR", "STALE_COPY", "DATA_AFTER_VINTAGE_DATE", "DATE_OUTSIDE_FISCAL_YEAR"];

    public static async Task RunAsync(DbConnection connection, DbTransaction tx, string datasetId, PhysicalTable table, CancellationToken cancellationToken)
    {
        var spec = table.Spec;
        var vintages = (await connection.QueryAsync<VintageRow>(
            $"SELECT {VintageRow.Select} FROM ds_vintages v WHERE v.dataset_id = @Dataset AND v.table_name = @Table",
            new { Dataset = datasetId, Table = spec.Name }, tx)).ToList();
        await connection.ExecuteAsync("DELETE FROM ds_findings WHERE dataset_id = @Dataset AND table_name = @Table AND scope = 'cross'",
            new { Dataset = datasetId, Table = spec.Name }, tx);
        var found = new List<(VintageRow Vintage, Finding Finding)>();

        if (spec.Validation.MislabelledFiscalYear)
        {
            foreach (var v in vintages.Where(v => v.Date is not null))
            {
                foreach (var fy in v.Years.Where(fy => v.Date < FiscalYear.Start(fy)))
                {
                    found.Add((v, new Finding(FindingSeverity.Error, "MISLABELLED_FISCAL_YEAR",
                        $"Vintage {v.Label} is dated {v.VintageDate}, before FY{fy} began on {FiscalYear.Start(fy):yyyy-MM-dd}, yet it holds FY{fy} rows: its fiscal year or its vintage date is mislabelled (FY{FiscalYear.Of(v.Date!.Value)} would fit the date).",
                        0, $"{spec.Period!.FiscalYearColumn} = {fy}, vintage date {v.VintageDate}", spec.Name, v.Label)));
                }
            }
        }

        if (spec.Validation.StaleCopies)
        {
            foreach (var group in vintages.Where(v => v.Date is not null).GroupBy(v => v.ValuesHash).Where(g => g.Select(v => v.VintageDate).Distinct().Count() > 1))
            {
                // The genuine pull is the one filed soonest after its date; the others repeat it.
                var genuine = group.OrderBy(v => Lag(v)).ThenBy(v => v.VintageDate, StringComparer.Ordinal).First();
                foreach (var copy in group.Where(v => v.VintageDate != genuine.VintageDate))
                {
                    found.Add((copy, new Finding(FindingSeverity.Error, "STALE_COPY",
                        $"Vintage {copy.Label} repeats every value of vintage {genuine.Label} (dated {genuine.VintageDate}) although it is dated {copy.VintageDate}: a stale table re-read or a wrong date, not a new pull.",
                        copy.RowCount, $"identical values to {genuine.Label}", spec.Name, copy.Label)));
                }
            }
        }

        foreach (var rule in spec.Validation.NeverDecreases)
        {
            var excluded = (await connection.QueryAsync<string>(
                $"SELECT DISTINCT vintage_id FROM ds_findings WHERE dataset_id = @Dataset AND table_name = @Table AND severity = 3 AND vintage_id IS NOT NULL AND code IN ({string.Join(", ", DatingCodes.Select(c => $"'{c}'"))})",
                new { Dataset = datasetId, Table = spec.Name }, tx)).ToHashSet(StringComparer.Ordinal);
            excluded.UnionWith(found.Where(f => DatingCodes.Contains(f.Finding.Code)).Select(f => f.Vintage.Id));
            found.AddRange(await DecreasesAsync(connection, tx, datasetId, table, rule, vintages.Where(v => !excluded.Contains(v.Id)).ToList(), cancellationToken));
        }

        foreach (var (v, f) in found)
        {
            await LoadRun.InsertFindingAsync(connection, tx, datasetId, null, v.Id, "cross", f);
        }

        var errors = (await connection.QueryAsync<FindingRow>(
            $"SELECT {FindingRow.Select} FROM ds_findings f JOIN ds_vintages v ON v.id = f.vintage_id WHERE f.dataset_id = @Dataset AND f.table_name = @Table AND f.severity = 3",
            new { Dataset = datasetId, Table = spec.Name }, tx)).ToLookup(r => r.VintageId!);
        foreach (var v in vintages)
        {
            var e = errors[v.Id].ToList();
            var note = e.Count == 0 ? null : string.Join(" ", e.OrderBy(x => x.Code, StringComparer.Ordinal).Take(3).Select(x => $"{x.Code}: {x.Message}")) + (e.Count > 3 ? $" (+{e.Count - 3} more)" : "");
            if ((v.Suspect != 0) != (e.Count > 0) || v.Note != note)
            {
                await connection.ExecuteAsync("UPDATE ds_vintages SET suspect = @Suspect, note = @Note WHERE id = @Id",
                    new { Suspect = e.Count > 0 ? 1 : 0, Note = note, v.Id }, tx);
            }
        }
    }

    private static int Lag(VintageRow v) => v.Published is { } p && v.Date is { } d ? Math.Abs(p.DayNumber - d.DayNumber) : int.MaxValue;

    /// <summary>
    /// Per fiscal year, the longest sequence of pulls (in date order) whose counters never fall by more than the
    /// tolerance; pulls outside it are flagged, naming a pull of the sequence they contradict.
    /// </summary>
    private static async Task<List<(VintageRow, Finding)>> DecreasesAsync(
        DbConnection connection, DbTransaction tx, string datasetId, PhysicalTable table, NeverDecreasesSpec rule, List<VintageRow> vintages, CancellationToken cancellationToken)
    {
        var spec = table.Spec;
        var fyColumn = spec.Period!.FiscalYearColumn!;
        var sql = new SqlBuilder();
        var keys = rule.Key.Select((k, i) => $"t.{PhysicalTable.Q(k)} AS k{i}").ToList();
        var groupKeys = string.Concat(rule.Key.Select(k => $", t.{PhysicalTable.Q(k)}"));
        var rows = await connection.QueryAsync(new CommandDefinition(
            $"SELECT v.id AS vid, t.{PhysicalTable.Q(fyColumn)} AS fy{string.Concat(keys.Select(k => ", " + k))}, MAX(t.{PhysicalTable.Q(rule.Column)}) AS val " +
            $"FROM {table.Quoted} t JOIN ds_vintages v ON v.filing_id = t.{PhysicalTable.Q(PhysicalTable.FilingColumn)} " +
            $"WHERE v.dataset_id = {sql.Param(datasetId)} AND v.table_name = {sql.Param(spec.Name)} AND {sql.Selector(spec, rule.Where, "t")} " +
            $"GROUP BY v.id, t.{PhysicalTable.Q(fyColumn)}{groupKeys}",
            sql.Parameters, tx, cancellationToken: cancellationToken));
        var counters = new Dictionary<(string Vintage, long Fy), Dictionary<string, double>>();
        foreach (IDictionary<string, object?> row in rows)
        {
            if (row["fy"] is null || row["val"] is null)
            {
                continue;
            }

            var key = ((string)row["vid"]!, Convert.ToInt64(row["fy"], CultureInfo.InvariantCulture));
            var name = string.Join(", ", rule.Key.Select((k, i) => $"{k}={TableChecks.Text(row["k" + i])}"));
            if (!counters.TryGetValue(key, out var map))
            {
                counters[key] = map = new Dictionary<string, double>(StringComparer.Ordinal);
            }

            map[name] = TableChecks.Num(row["val"]);
        }

        var byId = vintages.ToDictionary(v => v.Id);
        var result = new List<(VintageRow, Finding)>();
        foreach (var fyGroup in counters.Keys.Where(k => byId.ContainsKey(k.Vintage)).GroupBy(k => k.Fy))
        {
            var seq = fyGroup.Select(k => byId[k.Vintage])
                .OrderBy(v => v.VintageDate, StringComparer.Ordinal).ThenBy(v => v.PublishedDate, StringComparer.Ordinal).ThenBy(v => v.Label, StringComparer.Ordinal).ToList();
            var values = seq.Select(v => counters[(v.Id, fyGroup.Key)]).ToList();
            var n = seq.Count;
            var best = new int[n];
            var prev = new int[n];
            for (var j = 0; j < n; j++)
            {
                best[j] = 1;
                prev[j] = -1;
                for (var i = 0; i < j; i++)
                {
                    if (Conflict(values[i], values[j], rule.Tolerance) is null && best[i] + 1 >= best[j])
                    {
                        best[j] = best[i] + 1;
                        prev[j] = i;
                    }
                }
            }

            var end = 0;
            for (var j = 1; j < n; j++)
            {
                if (best[j] >= best[end])
                {
                    end = j; // ties: prefer the chain that reaches the latest pull
                }
            }

            var chain = new HashSet<int>();
            for (var j = end; j >= 0; j = prev[j])
            {
                chain.Add(j);
            }

            for (var x = 0; x < n; x++)
            {
                if (chain.Contains(x))
                {
                    continue;
                }

                var other = chain.OrderBy(y => Math.Abs(y - x)).Select(y => (y, c: y < x ? Conflict(values[y], values[x], rule.Tolerance) : Conflict(values[x], values[y], rule.Tolerance)))
                    .FirstOrDefault(t => t.c is not null);
                var example = other.c is null
                    ? "it does not fit the longest consistent sequence of pulls"
                    : other.y > x
                        ? $"FY{fyGroup.Key} {rule.Column} ({other.c.Value.Key}) is {other.c.Value.Earlier:N0} in {seq[x].Label} but {other.c.Value.Later:N0} in the later {seq[other.y].Label}"
                        : $"FY{fyGroup.Key} {rule.Column} ({other.c.Value.Key}) is {other.c.Value.Earlier:N0} in the earlier {seq[other.y].Label} but {other.c.Value.Later:N0} in {seq[x].Label}";
                result.Add((seq[x], new Finding(FindingSeverity.Error, "YTD_DECREASE",
                    $"Year-to-date counter '{rule.Column}' of FY{fyGroup.Key} would fall between pulls if vintage {seq[x].Label} were right: it is outside the longest sequence of pulls in which the counter never decreases (by more than {rule.Tolerance:P0}), so it is treated as wrong.",
                    0, example, spec.Name, seq[x].Label)));
            }
        }

        return result;
    }

    /// <summary>The first counter that falls from <paramref name="earlier"/> to <paramref name="later"/> beyond the tolerance; null when none does.</summary>
    private static (string Key, double Earlier, double Later)? Conflict(Dictionary<string, double> earlier, Dictionary<string, double> later, double tolerance)
    {
        foreach (var (key, a) in earlier)
        {
            if (later.TryGetValue(key, out var b) && b < a * (1 - tolerance) - 1e-9)
            {
                return (key, a, b);
            }
        }

        return null;
    }
}
