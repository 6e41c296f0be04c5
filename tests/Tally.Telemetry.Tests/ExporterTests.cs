using System.Diagnostics.Metrics;
using System.Text;

namespace Tally.Telemetry.Tests;

/// <summary>Unit tests of the exposition: one private meter per test, no process/runtime metrics, no I/O.</summary>
public sealed class ExporterTests : IDisposable
{
    // Deliberately outside the "Tally" namespace so the integration test's exporter never sees these meters.
    private readonly string _meterName = "UnitTest." + Guid.NewGuid().ToString("N");
    private readonly List<IDisposable> _owned = [];

    public void Dispose()
    {
        foreach (var d in Enumerable.Reverse(_owned)) d.Dispose();
    }

    private PrometheusExporter Exporter(string? meterEntry = null)
    {
        var options = new TelemetryOptions { ProcessMetrics = false, RuntimeMetrics = false };
        options.Meters.Clear();
        options.Meters.Add(meterEntry ?? _meterName);
        return Own(new PrometheusExporter(options));
    }

    private Meter NewMeter(string? name = null) => Own(new Meter(name ?? _meterName));

    private T Own<T>(T d) where T : IDisposable
    {
        _owned.Add(d);
        return d;
    }

    [Fact]
    public void Counter_WithTagsInAnyOrder_RendersOneTotalSeriesWithSortedLabels()
    {
        var meter = NewMeter();
        var exporter = Exporter();
        var counter = meter.CreateCounter<long>("requests", description: "Requests handled.");
        counter.Add(2, new("method", "get"), new("code", 200));
        counter.Add(3, new("code", 200), new("method", "get"));

        Assert.Equal(
            "# HELP requests_total Requests handled.\n" +
            "# TYPE requests_total counter\n" +
            "requests_total{code=\"200\",method=\"get\"} 5\n",
            exporter.Collect());
    }

    [Theory]
    [InlineData("jobs_total", "jobs_total")]
    [InlineData("jobs.total", "jobs_total")]
    [InlineData("jobs", "jobs_total")]
    public void Counter_Name_GetsTotalSuffixOnlyWhenMissing(string instrument, string expected)
    {
        var meter = NewMeter();
        var exporter = Exporter();
        meter.CreateCounter<int>(instrument, description: "d").Add(1);

        var text = exporter.Collect();

        Assert.Contains($"# TYPE {expected} counter\n{expected} 1\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("_total_total", text, StringComparison.Ordinal);
    }

    [Fact]
    public void UpDownCounter_IsGaugeHoldingTheRunningSum()
    {
        var meter = NewMeter();
        var exporter = Exporter();
        var depth = meter.CreateUpDownCounter<int>("queue.depth", description: "Items waiting.");
        depth.Add(5);
        depth.Add(-2);

        Assert.Equal("# HELP queue_depth Items waiting.\n# TYPE queue_depth gauge\nqueue_depth 3\n", exporter.Collect());
    }

    [Fact]
    public void ObservableGauge_IsReadAtEachScrape_AndSeriesNotReportedAgainDisappear()
    {
        var meter = NewMeter();
        var exporter = Exporter();
        var readings = new List<Measurement<double>> { new(1.5, new KeyValuePair<string, object?>("pool", "a")), new(7, new KeyValuePair<string, object?>("pool", "b")) };
        meter.CreateObservableGauge("pool.size", () => readings.ToArray(), description: "Pool size.");

        var first = exporter.Collect();
        readings.RemoveAt(1);
        readings[0] = new(2.5, new KeyValuePair<string, object?>("pool", "a"));
        var second = exporter.Collect();

        Assert.Contains("pool_size{pool=\"a\"} 1.5\npool_size{pool=\"b\"} 7\n", first, StringComparison.Ordinal);
        Assert.Contains("# TYPE pool_size gauge\npool_size{pool=\"a\"} 2.5\n", second, StringComparison.Ordinal);
        Assert.DoesNotContain("pool=\"b\"", second, StringComparison.Ordinal);
    }

    [Fact]
    public void ObservableCounter_ReportsTheObservedTotalAsCounter()
    {
        var meter = NewMeter();
        var exporter = Exporter();
        long total = 41;
        meter.CreateObservableCounter("bytes.read", () => ++total, unit: "By", description: "Bytes read.");

        Assert.Contains("# TYPE bytes_read_bytes_total counter\nbytes_read_bytes_total 42\n", exporter.Collect(), StringComparison.Ordinal);
    }

    [Fact]
    public void Histogram_WithAdvice_HasCumulativeBucketsInfSumAndCount()
    {
        var meter = NewMeter();
        var exporter = Exporter();
        var histogram = meter.CreateHistogram("latency", "s", "Call latency.", tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.125, 1, 10] });
        foreach (var v in new[] { 0.0625, 0.125, 0.5, 4, 64 }) histogram.Record(v, new KeyValuePair<string, object?>("rpc", "Ask"));

        Assert.Equal(
            "# HELP latency_seconds Call latency.\n" +
            "# TYPE latency_seconds histogram\n" +
            "latency_seconds_bucket{rpc=\"Ask\",le=\"0.125\"} 2\n" +
            "latency_seconds_bucket{rpc=\"Ask\",le=\"1\"} 3\n" +
            "latency_seconds_bucket{rpc=\"Ask\",le=\"10\"} 4\n" +
            "latency_seconds_bucket{rpc=\"Ask\",le=\"+Inf\"} 5\n" +
            "latency_seconds_sum{rpc=\"Ask\"} 68.6875\n" +
            "latency_seconds_count{rpc=\"Ask\"} 5\n",
            exporter.Collect());
    }

    [Fact]
    public void Histogram_WithoutAdvice_UsesPrometheusDefaultBuckets()
    {
        var meter = NewMeter();
        var exporter = Exporter();
        meter.CreateHistogram<int>("size", description: "d").Record(3);

        var les = exporter.Collect().Split('\n')
            .Where(l => l.StartsWith("size_bucket", StringComparison.Ordinal))
            .Select(l => l[(l.IndexOf("le=\"", StringComparison.Ordinal) + 4)..l.LastIndexOf('"')]);

        Assert.Equal(["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"], les);
    }

    [Fact]
    public void LabelValuesAndHelp_AreEscaped()
    {
        var meter = NewMeter();
        var exporter = Exporter();
        meter.CreateCounter<int>("escapes", description: "Line one\nline \"two\" with \\ backslash")
            .Add(1, new KeyValuePair<string, object?>("path", "C:\\x \"q\"\nnext"));

        var text = exporter.Collect();

        Assert.Contains("# HELP escapes_total Line one\\nline \"two\" with \\\\ backslash\n", text, StringComparison.Ordinal);
        Assert.Contains("escapes_total{path=\"C:\\\\x \\\"q\\\"\\nnext\"} 1\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void MetricAndLabelNames_AreSanitised()
    {
        var meter = NewMeter();
        var exporter = Exporter();
        meter.CreateCounter<int>("2xx.http-responses", description: "d").Add(1,
            new("http.status code", "200"), new("__reserved", "r"), new("9lives", "c"), new("ok:name", "o"));

        Assert.Contains("_2xx_http_responses_total{_9lives=\"c\",http_status_code=\"200\",ok_name=\"o\",tag__reserved=\"r\"} 1\n",
            exporter.Collect(), StringComparison.Ordinal);
    }

    [Fact]
    public void TagValuesThatRenderAlike_AreMergedIntoOneSeries()
    {
        var meter = NewMeter();
        var exporter = Exporter();
        var counter = meter.CreateCounter<int>("merged", description: "d");
        counter.Add(1, new KeyValuePair<string, object?>("code", 200));
        counter.Add(1, new KeyValuePair<string, object?>("code", 200L));
        counter.Add(1, new KeyValuePair<string, object?>("code", "200"));

        var lines = exporter.Collect().Split('\n').Where(l => l.StartsWith("merged_total{", StringComparison.Ordinal)).ToList();

        Assert.Equal(["merged_total{code=\"200\"} 3"], lines);
    }

    [Fact]
    public void SameInstrumentNameInTwoMeters_GivesOneFamilyWithSummedSeries()
    {
        var first = NewMeter(_meterName + ".One");
        var second = NewMeter(_meterName + ".Two");
        var exporter = Exporter(_meterName + ".");
        first.CreateCounter<int>("hits", description: "Hits.").Add(1);
        second.CreateCounter<int>("hits", description: "Hits.").Add(2);

        var text = exporter.Collect();

        Assert.Equal(1, Count(text, "# HELP hits_total"));
        Assert.Equal(1, Count(text, "# TYPE hits_total"));
        Assert.Contains("\nhits_total 3\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void SameNameWithDifferentTypes_KeepsOnlyTheFirstFamily()
    {
        var meter = NewMeter();
        var exporter = Exporter();
        meter.CreateCounter<int>("clash", description: "counter").Add(1);
        meter.CreateUpDownCounter<int>("clash_total", description: "gauge").Add(5);

        var text = exporter.Collect();

        Assert.Equal(1, Count(text, "# TYPE clash_total"));
        Assert.Equal(1, Count(text, "\nclash_total "));
    }

    [Fact]
    public void MeterSelection_MatchesExactNameAndDottedChildrenOnly()
    {
        var exporter = Exporter(_meterName);
        NewMeter(_meterName).CreateCounter<int>("own", description: "d").Add(1);
        NewMeter(_meterName + ".Child").CreateCounter<int>("child", description: "d").Add(1);
        NewMeter(_meterName + "Sibling").CreateCounter<int>("sibling", description: "d").Add(1);

        var text = exporter.Collect();

        Assert.Contains("\nown_total 1\n", text, StringComparison.Ordinal);
        Assert.Contains("\nchild_total 1\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("sibling", text, StringComparison.Ordinal);
    }

    [Fact]
    public void DisposedMeter_DisappearsFromTheScrape()
    {
        var meter = new Meter(_meterName);
        var exporter = Exporter();
        meter.CreateCounter<int>("gone", description: "d").Add(1);
        var before = exporter.Collect();
        meter.Dispose();

        Assert.Contains("gone_total 1", before, StringComparison.Ordinal);
        Assert.Equal("", exporter.Collect());
    }

    [Fact]
    public async Task ParallelRecording_KeepsExactTotals()
    {
        var meter = NewMeter();
        var exporter = Exporter();
        var counter = meter.CreateCounter<long>("ops", description: "d");
        var histogram = meter.CreateHistogram("op.size", unit: null, description: "d", tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 2] });
        const int Workers = 8, PerWorker = 50_000;
        string[] shards = ["a", "b", "c", "d"];

        using var start = new Barrier(Workers);
        var tasks = Enumerable.Range(0, Workers).Select(w => Task.Run(() =>
        {
            start.SignalAndWait();
            for (var i = 0; i < PerWorker; i++)
            {
                var shard = new KeyValuePair<string, object?>("shard", shards[i % shards.Length]);
                counter.Add(1, shard, new("worker", w % 2));
                histogram.Record(i % 3, shard);
                if (i % 10_000 == 0) _ = exporter.Collect(); // scrapes race with recording
            }
        }));
        await Task.WhenAll(tasks);
        var text = exporter.Collect();

        foreach (var shard in shards)
        {
            foreach (var worker in new[] { 0, 1 })
            {
                Assert.Contains($"ops_total{{shard=\"{shard}\",worker=\"{worker}\"}} {Workers / 2 * PerWorker / shards.Length}\n", text, StringComparison.Ordinal);
            }
            Assert.Contains($"op_size_count{{shard=\"{shard}\"}} {Workers * PerWorker / shards.Length}\n", text, StringComparison.Ordinal);
        }
        var sumOfSums = text.Split('\n').Where(l => l.StartsWith("op_size_sum{", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        var expectedSum = Workers * Enumerable.Range(0, PerWorker).Sum(i => (double)(i % 3));
        Assert.Equal(expectedSum, sumOfSums);
    }

    [Fact]
    public void RecordingOnAnExistingSeries_DoesNotAllocate()
    {
        var meter = NewMeter();
        var exporter = Exporter();
        var counter = meter.CreateCounter<long>("calls", description: "d");
        var histogram = meter.CreateHistogram<double>("seconds", description: "d");
        KeyValuePair<string, object?> method = new("method", "Ask"), code = new("code", "OK");
        void RecordBoth(int n)
        {
            for (var i = 0; i < n; i++)
            {
                counter.Add(1, method, code);
                histogram.Record(0.3, code, method);
            }
        }
        RecordBoth(1_000); // creates the series and lets the JIT settle

        var before = GC.GetAllocatedBytesForCurrentThread();
        RecordBoth(100_000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allocated < 1_000, $"recording 200,000 measurements allocated {allocated} bytes");
        Assert.Contains("calls_total{code=\"OK\",method=\"Ask\"} 101000\n", exporter.Collect(), StringComparison.Ordinal);
    }

    [Fact]
    public void ProcessAndRuntimeMetrics_ArePresentWithTypes()
    {
        var options = new TelemetryOptions();
        options.Meters.Clear();
        using var exporter = new PrometheusExporter(options);

        var text = exporter.Collect();

        foreach (var (name, type) in new[]
                 {
                     ("process_cpu_seconds_total", "counter"), ("process_resident_memory_bytes", "gauge"),
                     ("process_virtual_memory_bytes", "gauge"), ("process_start_time_seconds", "gauge"),
                     ("dotnet_gc_collections_total", "counter"), ("dotnet_gc_heap_size_bytes", "gauge"),
                     ("dotnet_threadpool_threads", "gauge"), ("dotnet_threadpool_queue_length", "gauge"),
                     ("dotnet_exceptions_total", "counter"), ("dotnet_total_memory_bytes", "gauge"),
                 })
        {
            Assert.Contains($"# TYPE {name} {type}\n", text, StringComparison.Ordinal);
        }
        Assert.Contains("dotnet_gc_collections_total{generation=\"0\"} ", text, StringComparison.Ordinal);
        if (OperatingSystem.IsLinux())
        {
            Assert.Matches(@"\nprocess_open_fds [1-9][0-9]*\n", text);
            Assert.Matches(@"\nprocess_max_fds [1-9][0-9]*\n", text);
        }
        var start = double.Parse(text.Split('\n').Single(l => l.StartsWith("process_start_time_seconds ", StringComparison.Ordinal))[27..],
            System.Globalization.CultureInfo.InvariantCulture);
        // The start time has a fraction of a second; the bounds are whole seconds, so the upper one is rounded up.
        Assert.InRange(start, DateTimeOffset.UtcNow.AddDays(-1).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
    }

    [Fact]
    public async Task WriteAsync_WritesTheScrapeAsUtf8WithoutBom()
    {
        var meter = NewMeter();
        var exporter = Exporter();
        meter.CreateCounter<int>("visits", description: "d").Add(1, new KeyValuePair<string, object?>("city", "Zürich"));
        using var stream = new MemoryStream();

        await exporter.WriteAsync(stream);

        var bytes = stream.ToArray();
        Assert.NotEqual(0xEF, bytes[0]);
        Assert.Contains("visits_total{city=\"Zürich\"} 1\n", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
    }

    private static int Count(string text, string fragment)
    {
        var count = 0;
        for (var i = text.IndexOf(fragment, StringComparison.Ordinal); i >= 0; i = text.IndexOf(fragment, i + 1, StringComparison.Ordinal)) count++;
        return count;
    }
}
