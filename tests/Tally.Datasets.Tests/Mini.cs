using System.Globalization;
using System.Text;

namespace Tally.Datasets.Tests;

/// <summary>
/// A small ICE-like table: releases by reason and criminality per month, year to date, per pull. Rows are built
/// consistent (totals add up, YTD = sum of months); tests then break exactly what they test.
/// </summary>
internal static class Mini
{
    public const string Spec = """
        dataset: mini
        description: A small ICE-like book-outs table for tests.
        source: {publisher: Test, url: "https://example.org/mini"}
        tables:
          - name: releases
            files: ["*.csv"]
            format: csv
            columns:
              - {name: reason, type: enum, required: true, values: [Total, Bond, Parole]}
              - {name: criminality, type: enum, values: [Total, Convicted, Other]}
              - {name: month, type: enum, required: true, values: [Oct, Nov, Dec, Jan, Feb, Mar, Apr, May, Jun, Jul, Aug, Sep]}
              - {name: date, type: date, required: true}
              - {name: n, type: int, required: true}
              - {name: n_ytd, type: int, required: true}
              - {name: fiscal_year, type: int, required: true}
              - {name: file_date, type: date, required: true}
              - {name: pull_date, type: date, required: true}
            vintage: {date: pull_date, published: file_date}
            period: {fiscal_year: fiscal_year, month: month, date: date}
            key: [reason, criminality, month]
            totals:
              - name: criminality-parts
                total: {criminality: Total}
                parts: {criminality: [Convicted, Other]}
                by: [reason, month]
                measures: [n, n_ytd]
              - name: total-is-releases
                total: {reason: Total}
                parts: {reason: [Bond, Parole], criminality: Total}
                by: [month]
                measures: [n]
                effective: {until: 2024-01-21}
              - name: total-includes-removals
                total: {reason: Total}
                parts: {reason: [Bond, Parole], criminality: Total}
                by: [month]
                measures: [n]
                relation: at_least
                effective: {from: 2024-01-22}
            validation:
              date_in_fiscal_year: true
              no_data_after_vintage: {measures: [n]}
              running_totals:
                - {column: n_ytd, of: n, by: [reason, criminality]}
              never_decreases:
                - {column: n_ytd, where: {reason: Total}, key: [reason], tolerance: 0.01}
              mislabelled_fiscal_year: true
              stale_copies: true
        """;

    public const string Header = "reason,criminality,month,date,n,n_ytd,fiscal_year,file_date,pull_date";

    public static readonly string[] Months = ["Oct", "Nov", "Dec", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep"];

    /// <summary>
    /// Rows of one pull of fiscal year <paramref name="fy"/> with <paramref name="monthsWithData"/> months of data;
    /// month m has Bond/Convicted = scale*(10+m), Bond/Other = scale*(20+m), Parole/Convicted = scale*(1+m), Parole/Other = scale*(30+m).
    /// <paramref name="extraTotal"/> is added to every month's Total row (removals counted in the Total after 2024-01-22).
    /// </summary>
    public static List<string[]> Pull(string pull, string file, int fy, int monthsWithData, int scale = 1, int extraTotal = 0)
    {
        var cells = new Dictionary<(string Reason, string Crim, int Month), long>();
        for (var m = 0; m < 12; m++)
        {
            var on = m < monthsWithData ? 1 : 0;
            cells[("Bond", "Convicted", m)] = on * scale * (10 + m);
            cells[("Bond", "Other", m)] = on * scale * (20 + m);
            cells[("Parole", "Convicted", m)] = on * scale * (1 + m);
            cells[("Parole", "Other", m)] = on * scale * (30 + m);
            foreach (var r in new[] { "Bond", "Parole" })
            {
                cells[(r, "Total", m)] = cells[(r, "Convicted", m)] + cells[(r, "Other", m)];
            }

            cells[("Total", "", m)] = cells[("Bond", "Total", m)] + cells[("Parole", "Total", m)] + on * extraTotal;
        }

        var rows = new List<string[]>();
        foreach (var (reason, crim) in new[] { ("Total", ""), ("Bond", "Total"), ("Bond", "Convicted"), ("Bond", "Other"), ("Parole", "Total"), ("Parole", "Convicted"), ("Parole", "Other") })
        {
            var ytd = Enumerable.Range(0, 12).Sum(m => cells[(reason, crim, m)]);
            for (var m = 0; m < 12; m++)
            {
                var date = new DateOnly(m < 3 ? fy - 1 : fy, (m + 9) % 12 + 1, 1);
                rows.Add([reason, crim, Months[m], date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), cells[(reason, crim, m)].ToString(CultureInfo.InvariantCulture),
                    ytd.ToString(CultureInfo.InvariantCulture), fy.ToString(CultureInfo.InvariantCulture), file, pull]);
            }
        }

        return rows;
    }

    /// <summary>Convicted releases (Bond + Parole) over the first <paramref name="months"/> months, as Pull builds them.</summary>
    public static long Convicted(int months, int scale = 1) => Enumerable.Range(0, months).Sum(m => (long)scale * ((10 + m) + (1 + m)));

    public static string Csv(IEnumerable<string[]> rows, string header = Header)
    {
        var sb = new StringBuilder(header).Append('\n');
        foreach (var r in rows)
        {
            sb.Append(string.Join(',', r.Select(c => c.Contains(',', StringComparison.Ordinal) ? $"\"{c}\"" : c))).Append('\n');
        }

        return sb.ToString();
    }

    public static MemoryStream Stream(string text) => new(Encoding.UTF8.GetBytes(text));

    public static DatasetUpload Upload(string file = "mini.csv", string? spec = Spec) =>
        new() { DatasetName = "mini", FileName = file, SpecYaml = spec };
}
