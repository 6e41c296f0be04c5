using System.Diagnostics;
using Tally.Datasets.Generation;
using Tally.Datasets.Query;
using Xunit.Abstractions;

namespace Tally.Datasets.Tests;

/// <summary>A fact that runs only when TALLY_DATASETS_SCALE_ROWS is set (a manual scale check, not a timing assert).</summary>
public sealed class ScaleFactAttribute : FactAttribute
{
    public ScaleFactAttribute()
    {
        if (!long.TryParse(Environment.GetEnvironmentVariable("TALLY_DATASETS_SCALE_ROWS"), out _))
        {
            Skip = "Set TALLY_DATASETS_SCALE_ROWS (e.g. 1000000) to load that many generated stays and print rows/s and peak memory.";
        }
    }
}

public sealed class ScaleTests(ITestOutputHelper output)
{
    [ScaleFact]
    public async Task GeneratedStays_LoadAtScale_WithEveryRowAccountedFor()
    {
        var rows = long.Parse(Environment.GetEnvironmentVariable("TALLY_DATASETS_SCALE_ROWS")!, System.Globalization.CultureInfo.InvariantCulture);
        var path = Path.Combine(Path.GetTempPath(), $"tally-stays-{rows}.csv");
        if (!File.Exists(path))
        {
            await DetentionStayGenerator.WriteFileAsync(path, rows);
        }

        foreach (var dialect in ((IEnumerable<object[]>)Dialects.All).Select(d => (string)d[0]))
        {
            await using var db = await TestDb.CreateAsync(dialect, new DatasetEngineOptions());
            using var process = Process.GetCurrentProcess();
            var clock = Stopwatch.StartNew();
            await using var file = File.OpenRead(path);
            var phases = new PhaseClock(clock);
            var summary = await db.Engine.LoadAsync(
                new DatasetUpload { DatasetName = "ice-detention-stays-synthetic", FileName = Path.GetFileName(path), SpecYaml = DetentionStayGenerator.SpecYaml() }, file, phases);
            var load = clock.Elapsed;
            output.WriteLine($"{dialect}: phases {phases}");
            process.Refresh();
            var metric = new ComputedMetricSpec("synthetic-releases", "ice-detention-stays-synthetic", "stays",
                [MetricFilter.In("stay_release_reason", "Paroled", "Order of recognizance", "Bonded Out - IJ")],
                MetricMeasure.Count, null, "stay_book_out_date", MetricCalendar.Fiscal, [], VintageRule.LatestValid);
            clock.Restart();
            var cold = await db.Engine.ComputeAsync(metric, MetricPeriod.FiscalYear(2024));
            var coldTime = clock.Elapsed;
            await db.Engine.RegisterMetricAsync(metric);
            clock.Restart();
            var warm = await db.Engine.ComputeAsync(metric, MetricPeriod.FiscalYear(2024));
            var warmTime = clock.Elapsed;

            output.WriteLine($"{dialect}: {summary.RowsRead:N0} rows in {load.TotalSeconds:F1} s = {summary.RowsRead / load.TotalSeconds:N0} rows/s; " +
                $"peak working set {process.PeakWorkingSet64 / (1 << 20):N0} MiB; cold metric {coldTime.TotalMilliseconds:F0} ms, warm {warmTime.TotalMilliseconds:F1} ms (value {warm.Value:N0})");
            Assert.Equal(rows, summary.RowsRead);
            Assert.Equal(summary.RowsRead, summary.RowsStored + summary.RowsQuarantined);
            Assert.Equal(cold.Value, warm.Value);
        }
    }
}

/// <summary>When each load phase was first reported.</summary>
internal sealed class PhaseClock(Stopwatch clock) : IProgress<LoadProgress>
{
    private readonly List<string> _marks = [];
    private LoadPhase? _last;

    public void Report(LoadProgress value)
    {
        if (value.Phase != _last)
        {
            _last = value.Phase;
            _marks.Add($"{value.Phase}@{clock.Elapsed.TotalSeconds:F1}s");
        }
    }

    public override string ToString() => string.Join(", ", _marks);
}
