using System.Globalization;
using Google.Protobuf.Collections;
using Spectre.Console;
using Tally.Definitions.V1;

namespace Tally.Cli.Rendering;

/// <summary>Text for metric definitions: the list, and one definition with every property and its relations.</summary>
internal static class DefinitionRenderer
{
    public static string List(ListMetricsResponse response, RenderSettings settings)
    {
        ArgumentNullException.ThrowIfNull(response);
        var canvas = new TextCanvas(settings);
        if (response.Metrics.Count == 0)
        {
            return canvas.Line("No metrics match.").ToString();
        }
        var table = canvas.Table("=Id", ">Ver", "Name", "What kind");
        foreach (var m in response.Metrics)
        {
            var kind = string.Join(", ", new[] { Formats.Words(m.StatisticType), ShortBasis(m.PeriodBasis), ValueSource(m) }
                .Where(part => part.Length > 0));
            table.AddRow(TextCanvas.Cell(m.Id, TextCanvas.Bold), TextCanvas.Cell($"v{m.Version}"), TextCanvas.Cell(m.Name), TextCanvas.Cell(kind));
        }
        canvas.Add(table);
        canvas.Line($"{response.Metrics.Count} metric{(response.Metrics.Count == 1 ? "" : "s")}; catalog v{response.CatalogVersion}", TextCanvas.Dim);
        return canvas.ToString();
    }

    public static string Show(GetMetricResponse response, RepeatedField<Relation> relations, RenderSettings settings)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(relations);
        var m = response.Metric ?? new MetricDefinition();
        var canvas = new TextCanvas(settings);
        canvas.Line($"{m.Name} ({Formats.MetricRef(m.Id, m.Version)})", TextCanvas.Bold);
        if (m.Description.Length > 0)
        {
            canvas.Line(m.Description);
        }

        canvas.Heading("Definition");
        var grid = new Grid().AddColumn(new GridColumn { NoWrap = true, Padding = new Padding(2, 0, 2, 0) }).AddColumn();
        void Row(string name, string? value)
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                grid.AddRow(TextCanvas.Cell(name, TextCanvas.Dim), TextCanvas.Cell(value));
            }
        }
        if (m.Counted is { } counted)
        {
            Row("counts", $"{counted.Thing.Replace('_', ' ')} ({Formats.Words(counted.Kind)}; {CountingUnit(counted.Unit)})");
            Row("counting note", counted.Note);
        }
        if (m.Scope is { } scope)
        {
            Row("agency", scope.Program.Length > 0 ? $"{scope.Agency}, {scope.Program}" : scope.Agency);
            Row("criminality", string.Join(", ", scope.Criminality.Select(Formats.Words)));
            Row("citizenship", string.Join(", ", scope.Citizenship));
            Row("constraints", Formats.Dimensions(scope.Constraints));
            Row("scope note", scope.Note);
        }
        Row("statistic", m.ShareOf.Length > 0 ? $"{Formats.Words(m.StatisticType)} of {m.ShareOf}" : Formats.Words(m.StatisticType));
        Row("additivity", Formats.Words(m.Additivity));
        Row("period basis", PeriodBasisText(m.PeriodBasis)
            + (m.YearToDate ? " (year to date by definition)" : m.HasYearToDateValues ? " (some values are year to date)" : ""));
        Row("unit", m.ScaleExponent != 0 ? $"{m.Unit} (usually printed in 10^{m.ScaleExponent.ToString(CultureInfo.InvariantCulture)})" : m.Unit);
        Row("values", ValueSource(m));
        Row("family", m.Family);
        Row("version", $"v{m.Version}" + (m.UpdatedAt is { } at ? $", {at.ToDateTime():yyyy-MM-dd}" : "") + (m.UpdatedBy.Length > 0 ? $" by {m.UpdatedBy}" : ""));
        Row("change note", m.ChangeNote);
        canvas.Add(grid);

        if (m.Aliases.Count > 0)
        {
            canvas.Heading("Aliases");
            canvas.Indented(string.Join(", ", m.Aliases));
        }
        if (m.Caveats.Count > 0)
        {
            canvas.Heading("Caveats that always apply");
            var caveats = new Grid().AddColumn(new GridColumn { NoWrap = true, Padding = new Padding(2, 0, 1, 0) }).AddColumn();
            foreach (var caveat in m.Caveats)
            {
                caveats.AddRow(TextCanvas.Cell(caveat.Code + ":", TextCanvas.Styled(Color.Yellow)), TextCanvas.Cell(caveat.Text));
            }
            canvas.Add(caveats);
        }
        if (m.Notes.Length > 0)
        {
            canvas.Heading("Notes");
            canvas.Indented(m.Notes);
        }
        ValueSourceDetails(canvas, m);
        if (relations.Count > 0)
        {
            canvas.Heading("Relations");
            var table = canvas.Table("From", "Relation", "To", "Why");
            foreach (var r in relations)
            {
                var why = r.Differences.Count > 0 ? $"{r.Reason}\n({string.Join(", ", r.Differences.Select(Formats.ProtoName))})" : r.Reason;
                table.AddRow(TextCanvas.Cell(r.FromMetricId), TextCanvas.Cell(Formats.Words(r.Type)), TextCanvas.Cell(r.ToMetricId), TextCanvas.Cell(why));
            }
            canvas.Add(table);
        }
        if (response.CatalogVersion > 0)
        {
            canvas.Blank().Line($"catalog v{response.CatalogVersion}", TextCanvas.Dim);
        }
        return canvas.ToString();
    }

    private static string ShortBasis(PeriodBasis basis) => basis switch
    {
        PeriodBasis.FiscalYearUsFederal => "fiscal year",
        PeriodBasis.FiscalQuarterUsFederal => "fiscal quarter",
        PeriodBasis.AsOfDate => "as of a date",
        _ => Formats.Words(basis),
    };

    private static string PeriodBasisText(PeriodBasis basis) => basis switch
    {
        PeriodBasis.FiscalYearUsFederal => "US federal fiscal year (Oct-Sep)",
        PeriodBasis.FiscalQuarterUsFederal => "US federal fiscal quarter",
        PeriodBasis.CalendarYear => "calendar year",
        PeriodBasis.AsOfDate => "as of a date",
        PeriodBasis.MultiYear => "several years together",
        _ => Formats.Words(basis),
    };

    private static string CountingUnit(CountingUnit unit) => unit switch
    {
        Definitions.V1.CountingUnit.Events => "each event counts once; a person counted twice counts twice",
        Definitions.V1.CountingUnit.People => "each distinct person counts once",
        Definitions.V1.CountingUnit.Cases => "each case counts once",
        Definitions.V1.CountingUnit.Stays => "each detention stay counts once",
        Definitions.V1.CountingUnit.BookOuts => "each book-out counts once",
        Definitions.V1.CountingUnit.Items => "each item of work counts once",
        Definitions.V1.CountingUnit.Quantity => "a measured quantity, not a count",
        _ => Formats.Words(unit),
    };

    private static string ValueSource(MetricDefinition m) => m.ValueSourceCase switch
    {
        MetricDefinition.ValueSourceOneofCase.Published => "published",
        MetricDefinition.ValueSourceOneofCase.Computed => "computed",
        MetricDefinition.ValueSourceOneofCase.Derived => "derived",
        MetricDefinition.ValueSourceOneofCase.Gap => "GAP (not published)",
        _ => "",
    };

    private static void ValueSourceDetails(TextCanvas canvas, MetricDefinition m)
    {
        switch (m.ValueSourceCase)
        {
            case MetricDefinition.ValueSourceOneofCase.Published:
                canvas.Heading("Published by");
                foreach (var id in m.Published.SourceIds)
                {
                    canvas.Indented("- " + id);
                }
                if (m.Published.Note.Length > 0)
                {
                    canvas.Indented(m.Published.Note, style: TextCanvas.Dim);
                }
                break;
            case MetricDefinition.ValueSourceOneofCase.Computed:
                var c = m.Computed;
                canvas.Heading("Computed from a dataset");
                canvas.Indented($"dataset {c.Dataset}, table {c.Table}");
                var measure = c.Measure is { } me ? $"{Formats.Words(me.Aggregation)}{(me.Column.Length > 0 ? " of " + me.Column : "")}" : "";
                canvas.Indented($"measure: {measure}");
                foreach (var f in c.Filters)
                {
                    canvas.Indented($"where {f.Column} {Formats.Words(f.Operator)} {string.Join(", ", f.Values)}");
                }
                canvas.Indented(c.DateColumn.Length > 0 ? $"period from date column {c.DateColumn} ({Formats.Words(c.Calendar)})" : $"period column {c.PeriodColumn}");
                if (c.DimensionColumns.Count > 0)
                {
                    canvas.Indented("breakdowns: " + string.Join(", ", c.DimensionColumns));
                }
                canvas.Indented($"vintage rule: {Formats.Words(c.VintageRule)}{(c.PinnedVintage.Length > 0 ? " " + c.PinnedVintage : "")}");
                if (c.ExcludedVintages.Count > 0)
                {
                    canvas.Indented("excluded vintages: " + string.Join(", ", c.ExcludedVintages));
                }

                if (c.UntilIngested is { } until)
                {
                    canvas.Heading("Until the dataset is ingested");
                    WriteGap(canvas, until);
                }

                break;
            case MetricDefinition.ValueSourceOneofCase.Derived:
                var d = m.Derived;
                canvas.Heading("Derived");
                canvas.Indented($"{Formats.Words(d.Operation)} of " + string.Join(", ",
                    d.Operands.Select(o => o.Dimensions.Count > 0 ? $"{o.MetricId} [{Formats.Dimensions(o.Dimensions)}]" : o.MetricId)));
                if (d.Note.Length > 0)
                {
                    canvas.Indented(d.Note, style: TextCanvas.Dim);
                }
                break;
            case MetricDefinition.ValueSourceOneofCase.Gap:
                canvas.Heading("Gap: no public source publishes this");
                WriteGap(canvas, m.Gap);
                break;
            default:
                break;
        }
    }

    private static void WriteGap(TextCanvas canvas, Gap g)
    {
        if (g.Question.Length > 0)
        {
            canvas.Indented("Asked as: " + g.Question);
        }

        if (g.WhyUnpublished.Length > 0)
        {
            canvas.Indented("Why unpublished: " + g.WhyUnpublished);
        }

        if (g.WhatWouldSettle.Length > 0)
        {
            canvas.Indented("What would settle it: " + g.WhatWouldSettle);
        }

        if (g.NearestMetricIds.Count > 0)
        {
            canvas.Indented("Often confused with: " + string.Join(", ", g.NearestMetricIds));
        }

        if (g.LeadSourceIds.Count > 0)
        {
            canvas.Indented("Sources worth checking: " + string.Join(", ", g.LeadSourceIds));
        }
    }
}
