using System.Globalization;
using Dapper;
using Tally.Datasets.Specs;
using Tally.Datasets.Storage;
using Tally.Storage;

namespace Tally.Datasets.Loading;

/// <summary>
/// Checks over a load's staged rows, per filing, in SQL (bounded memory at any size): repeated keys are moved to
/// the quarantine; totals and running totals that do not add up become error findings of the vintage.
/// </summary>
internal sealed class TableChecks(ServiceDatabase db, DatasetSpec spec, DatasetUpload upload, string loadId)
{
    public List<(string Code, long Count, QuarantineEntry Example)> DuplicateSummary { get; } = [];

    public async Task<long> QuarantineDuplicateKeysAsync(IEnumerable<Filing> filings, CancellationToken cancellationToken)
    {
        long removed = 0;
        await using var connection = await db.OpenAsync(cancellationToken);
        // Filings whose keys were all distinct while they were read (KeyFilter) have nothing to find.
        foreach (var group in filings.Where(f => !f.Table.Spec.Key.IsDefaultOrEmpty && f.MayRepeatKeys).GroupBy(f => f.Table))
        {
            var table = group.Key;
            var keys = table.Spec.Key;
            var byId = group.ToDictionary(f => f.Id);
            foreach (var chunk in group.Chunk(200))
            {
                var sql = new SqlBuilder();
                var keyCols = string.Join(", ", keys.Select(k => SqlBuilder.Col(k)));
                var dups = (await connection.QueryAsync(
                    $"SELECT {SqlBuilder.Col(PhysicalTable.FilingColumn)} AS f, {keyCols} FROM {table.Quoted} " +
                    $"WHERE {SqlBuilder.Col(PhysicalTable.FilingColumn)} IN ({sql.List(chunk.Select(f => (object?)f.Id))}) " +
                    $"GROUP BY {SqlBuilder.Col(PhysicalTable.FilingColumn)}, {keyCols} HAVING COUNT(*) > 1",
                    sql.Parameters)).Cast<IDictionary<string, object?>>().ToList();
                foreach (var dup in dups)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var filing = byId[(string)dup["f"]!];
                    var rowSql = new SqlBuilder();
                    var where = $"{SqlBuilder.Col(PhysicalTable.FilingColumn)} = {rowSql.Param(filing.Id)}";
                    foreach (var k in keys)
                    {
                        where += dup[k] is null ? $" AND {SqlBuilder.Col(k)} IS NULL" : $" AND {SqlBuilder.Col(k)} = {rowSql.Param(dup[k])}";
                    }

                    var columns = string.Join(", ", table.Spec.Columns.Select(c => SqlBuilder.Col(c.Name)));
                    var rows = (await connection.QueryAsync(
                        $"SELECT {SqlBuilder.Col(PhysicalTable.SheetColumn)} AS s, {SqlBuilder.Col(PhysicalTable.RowColumn)} AS r, {columns} FROM {table.Quoted} WHERE {where} ORDER BY 2",
                        rowSql.Parameters)).Cast<IDictionary<string, object?>>().ToList();
                    var first = rows[0];
                    var keyText = string.Join(", ", keys.Select(k => $"{k}={Text(dup[k])}"));
                    foreach (var row in rows.Skip(1))
                    {
                        var entry = new QuarantineEntry(spec.Name, table.Spec.Name, loadId, upload.FileName, row["s"] as string, Convert.ToInt64(row["r"], CultureInfo.InvariantCulture),
                            null, "DUPLICATE_KEY",
                            $"the key ({keyText}) repeats row {Convert.ToInt64(first["r"], CultureInfo.InvariantCulture)} of the same vintage; the first row was kept",
                            string.Join('\t', table.Spec.Columns.Select(c => Text(row[c.Name]))));
                        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
                        var del = new SqlBuilder();
                        await connection.ExecuteAsync(
                            $"DELETE FROM {table.Quoted} WHERE {SqlBuilder.Col(PhysicalTable.FilingColumn)} = {del.Param(filing.Id)} AND {SqlBuilder.Col(PhysicalTable.RowColumn)} = {del.Param(entry.RowNumber)}" +
                            (entry.Sheet is null ? $" AND {SqlBuilder.Col(PhysicalTable.SheetColumn)} IS NULL" : $" AND {SqlBuilder.Col(PhysicalTable.SheetColumn)} = {del.Param(entry.Sheet)}"),
                            del.Parameters, tx);
                        await connection.ExecuteAsync(StagingWriter.QuarantineInsert, entry, tx);
                        await tx.CommitAsync(cancellationToken);
                        var (vintageFlags, periodFlags) = Filing.Flags(table.Spec);
                        filing.Remove([.. table.Spec.Columns.Select(c => row[c.Name] is DBNull ? null : row[c.Name] is int i32 ? (long)i32 : row[c.Name])], vintageFlags, periodFlags);
                        removed++;
                        var i = DuplicateSummary.FindIndex(d => d.Code == entry.Code);
                        if (i < 0)
                        {
                            DuplicateSummary.Add((entry.Code, 1, entry));
                        }
                        else
                        {
                            DuplicateSummary[i] = (entry.Code, DuplicateSummary[i].Count + 1, DuplicateSummary[i].Example);
                        }
                    }
                }
            }
        }

        return removed;
    }

    /// <summary>Row-level violations counted while reading, then totals and running totals per filing.</summary>
    public async Task<List<(Filing Filing, Finding Finding)>> WithinVintageAsync(IEnumerable<Filing> filingList, CancellationToken cancellationToken)
    {
        var filings = filingList.ToList();
        var result = new List<(Filing, Finding)>();
        foreach (var filing in filings)
        {
            foreach (var (code, (count, example, message)) in filing.Violations)
            {
                var text = code == "DATE_OUTSIDE_FISCAL_YEAR"
                    ? $"{count:N0} row(s) have a {filing.Table.Spec.Period?.DateColumn} outside their stated fiscal year: the fiscal year or the dates are mislabelled."
                    : $"{count:N0} row(s) {message}: the vintage date or the fiscal year is mislabelled.";
                result.Add((filing, new Finding(FindingSeverity.Error, code, text, count, example, filing.Table.Spec.Name, filing.VintageDateText)));
            }
        }

        await using var connection = await db.OpenAsync(cancellationToken);
        foreach (var group in filings.GroupBy(f => f.Table))
        {
            var table = group.Key;
            foreach (var chunk in group.Chunk(200))
            {
                foreach (var rule in table.Spec.Totals)
                {
                    var applicable = chunk.Where(f => rule.AppliesTo(f.VintageDate)).ToList();
                    if (applicable.Count > 0)
                    {
                        result.AddRange(await TotalsAsync(connection, table, rule, applicable, cancellationToken));
                    }
                }

                foreach (var rule in table.Spec.Validation.RunningTotals)
                {
                    result.AddRange(await RunningAsync(connection, table, rule, chunk, cancellationToken));
                }
            }
        }

        return result;
    }

    private static async Task<List<(Filing, Finding)>> TotalsAsync(System.Data.Common.DbConnection connection, PhysicalTable table, TotalRuleSpec rule, List<Filing> filings, CancellationToken cancellationToken)
    {
        var sql = new SqlBuilder();
        var total = sql.Selector(table.Spec, rule.Total);
        var parts = sql.Selector(table.Spec, rule.Parts);
        var select = new List<string> { $"{SqlBuilder.Col(PhysicalTable.FilingColumn)} AS f" };
        select.AddRange(rule.By.Select((b, i) => $"{SqlBuilder.Col(b)} AS b{i}"));
        select.Add($"SUM(CASE WHEN {total} THEN 1 ELSE 0 END) AS tn");
        select.Add($"SUM(CASE WHEN {parts} THEN 1 ELSE 0 END) AS pn");
        for (var i = 0; i < rule.Measures.Length; i++)
        {
            select.Add($"SUM(CASE WHEN {total} THEN {SqlBuilder.Col(rule.Measures[i])} END) AS t{i}");
            select.Add($"SUM(CASE WHEN {parts} THEN {SqlBuilder.Col(rule.Measures[i])} END) AS p{i}");
        }

        var groupBy = string.Join(", ", new[] { SqlBuilder.Col(PhysicalTable.FilingColumn) }.Concat(rule.By.Select(b => SqlBuilder.Col(b))));
        var rows = (await connection.QueryAsync(new CommandDefinition(
            $"SELECT {string.Join(", ", select)} FROM {table.Quoted} WHERE {SqlBuilder.Col(PhysicalTable.FilingColumn)} IN ({sql.List(filings.Select(f => (object?)f.Id))}) GROUP BY {groupBy}",
            sql.Parameters, cancellationToken: cancellationToken))).Cast<IDictionary<string, object?>>();
        var bad = new Dictionary<string, (long Groups, string Example)>();
        foreach (var row in rows)
        {
            if (Num(row["tn"]) == 0 || Num(row["pn"]) == 0)
            {
                continue; // nothing to compare in this group
            }

            for (var i = 0; i < rule.Measures.Length; i++)
            {
                var t = Num(row["t" + i]);
                var p = Num(row["p" + i]);
                var wrong = rule.Relation == TotalRelation.Equal ? Math.Abs(t - p) > 1e-6 * Math.Max(1, Math.Abs(t)) : t < p - 1e-6 * Math.Max(1, Math.Abs(p));
                if (!wrong)
                {
                    continue;
                }

                var f = (string)row["f"]!;
                var group = string.Join(", ", rule.By.Select((b, j) => $"{b}={Text(row["b" + j])}"));
                var example = $"{(group.Length == 0 ? "" : group + ": ")}{rule.Measures[i]} total {t.ToString("N0", CultureInfo.InvariantCulture)}, parts sum to {p.ToString("N0", CultureInfo.InvariantCulture)}";
                bad[f] = bad.TryGetValue(f, out var b) ? (b.Groups + 1, b.Example) : (1, example);
                break;
            }
        }

        var relation = rule.Relation == TotalRelation.Equal ? "does not equal" : "is less than";
        return [.. filings.Where(f => bad.ContainsKey(f.Id)).Select(f => (f, new Finding(FindingSeverity.Error,
            rule.Relation == TotalRelation.Equal ? "TOTAL_MISMATCH" : "TOTAL_BELOW_PARTS",
            $"Totals rule '{rule.Name}': in {bad[f.Id].Groups:N0} group(s) the total ({rule.Total}) {relation} the sum of its parts ({rule.Parts}).{(rule.Note is null ? "" : " " + rule.Note)}",
            bad[f.Id].Groups, bad[f.Id].Example, table.Spec.Name, f.VintageDateText)))];
    }

    private static async Task<List<(Filing, Finding)>> RunningAsync(System.Data.Common.DbConnection connection, PhysicalTable table, RunningTotalSpec rule, Filing[] filings, CancellationToken cancellationToken)
    {
        var sql = new SqlBuilder();
        var by = rule.By.Select((b, i) => $"{SqlBuilder.Col(b)} AS b{i}").ToList();
        var groupBy = string.Join(", ", new[] { SqlBuilder.Col(PhysicalTable.FilingColumn) }.Concat(rule.By.Select(b => SqlBuilder.Col(b))));
        var rows = (await connection.QueryAsync(new CommandDefinition(
            $"SELECT {SqlBuilder.Col(PhysicalTable.FilingColumn)} AS f{string.Concat(by.Select(b => ", " + b))}, MAX({SqlBuilder.Col(rule.Column)}) AS r, SUM({SqlBuilder.Col(rule.Of)}) AS s, COUNT({SqlBuilder.Col(rule.Column)}) AS n " +
            $"FROM {table.Quoted} WHERE {SqlBuilder.Col(PhysicalTable.FilingColumn)} IN ({sql.List(filings.Select(f => (object?)f.Id))}) GROUP BY {groupBy}",
            sql.Parameters, cancellationToken: cancellationToken))).Cast<IDictionary<string, object?>>();
        var bad = new Dictionary<string, (long Groups, string Example)>();
        foreach (var row in rows)
        {
            if (Num(row["n"]) == 0)
            {
                continue;
            }

            var r = Num(row["r"]);
            var s = Num(row["s"]);
            if (Math.Abs(r - s) <= 1e-6 * Math.Max(1, Math.Abs(r)))
            {
                continue;
            }

            var f = (string)row["f"]!;
            var group = string.Join(", ", rule.By.Select((b, j) => $"{b}={Text(row["b" + j])}"));
            var example = $"{group}: {rule.Column} {r.ToString("N0", CultureInfo.InvariantCulture)}, but {rule.Of} sums to {s.ToString("N0", CultureInfo.InvariantCulture)}";
            bad[f] = bad.TryGetValue(f, out var b) ? (b.Groups + 1, b.Example) : (1, example);
        }

        return [.. filings.Where(f => bad.ContainsKey(f.Id)).Select(f => (f, new Finding(FindingSeverity.Error, "RUNNING_TOTAL_MISMATCH",
            $"In {bad[f.Id].Groups:N0} group(s) the running total '{rule.Column}' differs from the sum of '{rule.Of}'.",
            bad[f.Id].Groups, bad[f.Id].Example, table.Spec.Name, f.VintageDateText)))];
    }

    internal static double Num(object? value) => value is null or DBNull ? 0 : Convert.ToDouble(value, CultureInfo.InvariantCulture);

    internal static string Text(object? value) => value switch
    {
        null or DBNull => "",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
