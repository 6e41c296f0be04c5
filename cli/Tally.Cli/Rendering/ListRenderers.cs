using Google.Protobuf.Collections;
using Grpc.Health.V1;
using Spectre.Console;
using Tally.Common.V1;

namespace Tally.Cli.Rendering;

/// <summary>Tables for sources and health.</summary>
internal static class ListRenderers
{
    public static string Sources(RepeatedField<Source> sources, RenderSettings settings)
    {
        ArgumentNullException.ThrowIfNull(sources);
        var canvas = new TextCanvas(settings);
        if (sources.Count == 0)
        {
            return canvas.Line("No sources registered.").ToString();
        }
        // One block per source: a URL in a table column would be broken across lines or crowd out the title.
        foreach (var s in sources)
        {
            var head = new Paragraph();
            head.Append("  " + s.Id, TextCanvas.Bold);
            head.Append($"  {Formats.Words(s.Kind)}{(s.PublishedDate.Length > 0 ? ", published " + s.PublishedDate : "")}\n", TextCanvas.Dim);
            canvas.Add(head);
            canvas.Indented(s.Publisher.Length > 0 ? $"{s.Title} {canvas.Dash} {s.Publisher}" : s.Title, indent: 4);
            if (s.Url.Length > 0)
            {
                canvas.Add(new RawLine(s.Url, 4, TextCanvas.Styled(Color.Blue)));
            }
        }
        canvas.Blank();
        canvas.Line($"{sources.Count} source{(sources.Count == 1 ? "" : "s")}", TextCanvas.Dim);
        return canvas.ToString();
    }

    public static string Health(Uri server, HealthListResponse statuses, RenderSettings settings)
    {
        ArgumentNullException.ThrowIfNull(statuses);
        var canvas = new TextCanvas(settings);
        var table = canvas.Table("Service", "Status");
        foreach (var (service, response) in statuses.Statuses.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            var serving = response.Status == HealthCheckResponse.Types.ServingStatus.Serving;
            var name = service.Length == 0 ? $"(server) {server.GetLeftPart(UriPartial.Authority)}" : service;
            table.AddRow(TextCanvas.Cell(name, service.Length == 0 ? TextCanvas.Bold : null),
                TextCanvas.Cell($"{canvas.Check(serving)} {Formats.ProtoName(response.Status)}",
                    serving ? TextCanvas.Styled(Color.Green) : TextCanvas.Styled(Color.Red, bold: true)));
        }
        canvas.Add(table);
        return canvas.ToString();
    }
}
