using Spectre.Console;
using Tally.Ingestion.V1;

namespace Tally.Cli.Rendering;

/// <summary>Text for upload results: the stored document snapshot, or a dataset load summary with its findings.</summary>
internal static class IngestRenderer
{
    public static string Document(IngestDocumentResponse response, int? linkedFigures, RenderSettings settings)
    {
        ArgumentNullException.ThrowIfNull(response);
        var canvas = new TextCanvas(settings);
        var snapshot = response.Snapshot ?? new Common.V1.Snapshot();
        var source = response.Source ?? new Common.V1.Source();
        canvas.Line(response.AlreadyExisted
            ? $"{canvas.Check(true)} already stored: identical bytes were ingested before for this source; nothing new was written"
            : $"{canvas.Check(true)} stored a new snapshot", TextCanvas.Styled(Color.Green, bold: true));
        var grid = new Grid().AddColumn(new GridColumn { NoWrap = true, Padding = new Padding(2, 0, 2, 0) }).AddColumn();
        grid.AddRow(TextCanvas.Cell("snapshot", TextCanvas.Dim), TextCanvas.Cell(snapshot.Id));
        grid.AddRow(TextCanvas.Cell("source", TextCanvas.Dim), TextCanvas.Cell(source.Title.Length > 0 ? $"{source.Id} ({source.Title})" : source.Id));
        grid.AddRow(TextCanvas.Cell("content", TextCanvas.Dim), TextCanvas.Cell(
            $"{snapshot.MediaType}, {Formats.Number(snapshot.ByteLength)} bytes, {Formats.Number(snapshot.TextLength)} characters of text"));
        grid.AddRow(TextCanvas.Cell("sha256", TextCanvas.Dim), TextCanvas.Cell(snapshot.ContentSha256));
        grid.AddRow(TextCanvas.Cell("already existed", TextCanvas.Dim), TextCanvas.Cell(response.AlreadyExisted ? "yes" : "no"));
        var figures = $"{Formats.Number(response.FigureCandidates)} extracted (unreviewed)";
        if (linkedFigures is { } linked)
        {
            figures += $", {Formats.Number(linked)} linked to a metric";
        }
        grid.AddRow(TextCanvas.Cell("figures", TextCanvas.Dim), TextCanvas.Cell(figures));
        canvas.Add(grid);
        if (response.Warnings.Count > 0)
        {
            canvas.Heading("Warnings");
            foreach (var warning in response.Warnings)
            {
                canvas.Indented("- " + warning, style: TextCanvas.Styled(Color.Yellow));
            }
        }
        return canvas.ToString();
    }

    public static string Dataset(DatasetLoadSummary summary, RenderSettings settings)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var canvas = new TextCanvas(settings);
        canvas.Line(summary.AlreadyExisted
            ? $"{canvas.Check(true)} already loaded: identical bytes were loaded before for {summary.DatasetName}; nothing new was stored"
            : $"{canvas.Check(true)} loaded {summary.DatasetName}", TextCanvas.Styled(Color.Green, bold: true));
        var grid = new Grid().AddColumn(new GridColumn { NoWrap = true, Padding = new Padding(2, 0, 2, 0) }).AddColumn();
        grid.AddRow(TextCanvas.Cell("dataset", TextCanvas.Dim), TextCanvas.Cell($"{summary.DatasetName} ({summary.DatasetId})"));
        grid.AddRow(TextCanvas.Cell("snapshot", TextCanvas.Dim), TextCanvas.Cell(summary.SnapshotId));
        grid.AddRow(TextCanvas.Cell("vintages", TextCanvas.Dim), TextCanvas.Cell(string.Join(", ", summary.Vintages)));
        grid.AddRow(TextCanvas.Cell("tables", TextCanvas.Dim), TextCanvas.Cell(string.Join(", ", summary.Tables)));
        grid.AddRow(TextCanvas.Cell("rows", TextCanvas.Dim), TextCanvas.Cell(
            $"{Formats.Number(summary.RowsRead)} read = {Formats.Number(summary.RowsStored)} stored + {Formats.Number(summary.RowsQuarantined)} quarantined"));
        grid.AddRow(TextCanvas.Cell("sha256", TextCanvas.Dim), TextCanvas.Cell(summary.ContentSha256));
        canvas.Add(grid);
        if (summary.Findings.Count > 0)
        {
            canvas.Heading("Findings");
            var table = canvas.Table("Severity", "Code", ">Rows", "What", "Example");
            foreach (var f in summary.Findings)
            {
                table.AddRow(TextCanvas.Cell(Formats.ProtoName(f.Severity)), TextCanvas.Cell(f.Code), TextCanvas.Cell(Formats.Number(f.RowCount)),
                    TextCanvas.Cell(f.Message), TextCanvas.Cell(f.Example));
            }
            canvas.Add(table);
        }
        if (summary.RowsQuarantined > 0)
        {
            canvas.Blank().Line("Quarantined rows are kept with file, sheet, row, column and reason; nothing was dropped.", TextCanvas.Dim);
        }
        return canvas.ToString();
    }
}
