using System.Text.Json;
using Tally.Bench.Load;

namespace Tally.Bench.Tests;

public sealed class LoadReportTests
{
    private static LoadResult Result(string mode, bool passed, IReadOnlyList<ErrorResult> errors, IReadOnlyList<ProcessResult> processes, IReadOnlyList<string> failures) =>
        new(mode, "load", new DateTime(2026, 11, 22, 12, 0, 0, DateTimeKind.Utc), 64, 10, 30, 30, 60, "ask-repeat=45,figure=30", 1,
            TokenSent: false, "http://127.0.0.1:7708", "http://127.0.0.1:7708",
            new MachineFacts(2, "Test CPU", 8L << 30, "3.10 2.00 1.00", "3.20 2.00 1.00", "4.00 2.50 1.10"),
            [new OperationResult("ask-repeat", 45, 900, 30, 12.5, 80, 95, 15, errors.Sum(e => e.Count), 300),
             new OperationResult("figure", 30, 600, 20, 2.25, 40, 41, 5, 0, 0),
             new OperationResult("dataset", 0, 0, 0, double.NaN, double.NaN, double.NaN, double.NaN, 0, 0)],
            new OperationResult("all", 75, 1500, 50, 10, 75, 95, 11, errors.Sum(e => e.Count), 300),
            errors, new PlateauRule().Describe(), processes,
            [new MemorySample("allinone", -1, 100 << 20, 10 << 20), new MemorySample("allinone", 0, 110 << 20, 12 << 20),
             new MemorySample("allinone", 15, 120 << 20, null), new MemorySample("allinone", 30, 121 << 20, 13 << 20)],
            [new ProgressSample(0, 0, 0), new ProgressSample(15, 700, 0), new ProgressSample(30, 1500, 0)],
            passed, failures);

    private static readonly ProcessResult Flat = new("allinone", 4242, 110 << 20, 121 << 20, 120 << 20, 121 << 20, 0.8, 12 << 20, 13 << 20, true, "within 10 %");

    [Fact]
    public void PassingRun_TablesOfOperationsMemoryAndMachine()
    {
        var md = LoadReport.Markdown("load-2026-11-22", "load", "2026-11-22", [Result("embedded", true, [], [Flat], [])], [], ["Three other builds were running."]);

        Assert.StartsWith("# Load run, 2026-11-22", md, StringComparison.Ordinal);
        Assert.Contains("Verdict: embedded **PASS** (0 errors; memory plateaued).", md, StringComparison.Ordinal);
        Assert.Contains("| ask-repeat | 900 | 30.0 | 12.5 ms | 80.0 ms | 95.0 ms | 33% | 0 |", md, StringComparison.Ordinal);
        Assert.DoesNotContain("| dataset | 0 |", md, StringComparison.Ordinal); // weight 0: not run, no row of results
        Assert.Contains("| allinone | 4242 | 110.0 MiB | 120.0 MiB | 121.0 MiB | +0.8 % | 12.0 MiB → 13.0 MiB | yes |", md, StringComparison.Ordinal);
        Assert.Contains("| embedded | 3.10 2.00 1.00 | 3.20 2.00 1.00 | 4.00 2.50 1.10 |", md, StringComparison.Ordinal);
        Assert.Contains("Three other builds were running.", md, StringComparison.Ordinal);
        Assert.Contains("Errors: none", md, StringComparison.Ordinal);
        Assert.Contains("| 30 s | 53.3 | 0 | 121 (13) |", md, StringComparison.Ordinal);
    }

    [Fact]
    public void FailedAndSkippedModes_SaidInTheVerdictWithTheReasons()
    {
        var errors = new[] { new ErrorResult("ask-repeat", "UNAVAILABLE", "measured", 3, "connection refused | reset") };
        var leaking = Flat with { Plateaued = false, Verdict = "last-third peak 150.0 MiB vs middle-third peak 120.0 MiB: +25.0 % (above 10 %)" };
        var result = Result("distributed", false, errors, [leaking], ["3 failed calls (UNAVAILABLE 3)", "allinone: memory did not plateau"]);

        var md = LoadReport.Markdown("load-2026-11-22", "load", "2026-11-22", [result], [("embedded", "the all-in-one did not become ready")], []);

        Assert.Contains("distributed **FAIL** (3 errors; memory did not plateau); embedded **NOT RUN** (the all-in-one did not become ready)", md, StringComparison.Ordinal);
        Assert.Contains("distributed failed: 3 failed calls (UNAVAILABLE 3); allinone: memory did not plateau.", md, StringComparison.Ordinal);
        Assert.Contains("| ask-repeat | UNAVAILABLE | measured | 3 | connection refused \\| reset |", md, StringComparison.Ordinal);
        Assert.Contains("| **no** |", md, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_RoundTripsWithNaN_CsvHasEveryReading()
    {
        var result = Result("embedded", true, [], [Flat], []);

        var back = JsonSerializer.Deserialize<LoadResult>(JsonSerializer.Serialize(result, LoadResult.Json), LoadResult.Json)!;
        var csv = LoadReport.MemoryCsv([back]).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.True(double.IsNaN(back.Operations[2].P50Ms));
        Assert.Equal(result.Memory, back.Memory);
        Assert.Equal("mode,process,pid,seconds,rss_bytes,gc_heap_bytes", csv[0]);
        Assert.Equal(5, csv.Length);
        Assert.Equal("embedded,allinone,4242,15,125829120,", csv[3]);
    }
}
