using Tally.Bench.Load;

namespace Tally.Bench.Tests;

/// <summary>Options, the operation mix, and what the sampler reads from /proc and /metrics.</summary>
public sealed class LoadInputsTests
{
    private static readonly string[] Required = ["--mode", "embedded", "--query", "http://127.0.0.1:7400", "--json", "/tmp/x.json"];

    private static LoadOptions Parse(string[] extra, string? token = null) =>
        LoadOptions.Parse([.. Required, .. extra], name => name == "TALLY_TOKEN" ? token : null);

    [Fact]
    public void Defaults_64InFlight60SecondsIngestionAtTheQueryAddressNoToken()
    {
        var o = Parse([]);

        Assert.Equal(64, o.Concurrency);
        Assert.Equal(TimeSpan.FromSeconds(60), o.Duration);
        Assert.Equal(TimeSpan.FromSeconds(20), o.Warmup);
        Assert.Equal(o.Query, o.Ingestion);
        Assert.Null(o.Token);
        Assert.Equal(TimeSpan.FromSeconds(2), o.SampleInterval);
        Assert.Equal("ask-repeat=45,ask-varied=16,figure=30,document=6,dataset=3", o.Mix.ToString());
    }

    [Fact]
    public void Token_FromTheEnvironment_OptionWins_BlankMeansNone()
    {
        Assert.Equal("env-key", Parse([], token: "env-key").Token);
        Assert.Equal("flag-key", Parse(["--token", "flag-key"], token: "env-key").Token);
        Assert.Null(Parse([], token: "  ").Token);
    }

    [Fact]
    public void Process_NamePidAndMetricsUrl()
    {
        var o = Parse(["--process", "query=1234,http://127.0.0.1:7401/metrics", "--process", "allinone=99"]);

        Assert.Equal(new WatchedProcess("query", 1234, new Uri("http://127.0.0.1:7401/metrics")), o.Processes[0]);
        Assert.Equal(new WatchedProcess("allinone", 99, null), o.Processes[1]);
    }

    [Theory]
    [InlineData("--process", "query", "NAME=PID")]
    [InlineData("--process", "query=abc", "NAME=PID")]
    [InlineData("--concurrency", "0", "--concurrency must be a number from 1")]
    [InlineData("--duration", "soon", "--duration must be a number")]
    [InlineData("--query", "127.0.0.1:7400", "http://127.0.0.1:7400")]
    [InlineData("--kind", "marathon", "load or soak")]
    [InlineData("--colour", "red", "unknown option '--colour'")]
    public void BadOption_ArgumentExceptionNamingIt(string name, string value, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => Parse([name, value]));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingJson_Refused()
    {
        var e = Assert.Throws<ArgumentException>(() => LoadOptions.Parse(["--mode", "embedded", "--query", "http://127.0.0.1:7400"], _ => null));

        Assert.Contains("--json", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SampleInterval_AboutThirtyPerWindowBetweenHalfASecondAndTenSeconds()
    {
        Assert.Equal(TimeSpan.FromSeconds(0.5), Parse(["--duration", "5"]).SampleInterval);
        Assert.Equal(TimeSpan.FromSeconds(10), Parse(["--duration", "1800"]).SampleInterval);
        Assert.Equal(TimeSpan.FromSeconds(3), Parse(["--duration", "1800", "--sample-every", "3"]).SampleInterval);
    }

    [Fact]
    public void Mix_PicksOnlyOperationsWithWeight_InProportion()
    {
        var mix = OperationMix.Parse("figure=3, dataset=1");
        var random = new Random(1);
        var picks = Enumerable.Range(0, 4000).Select(_ => mix.Pick(random)).GroupBy(o => o).ToDictionary(g => g.Key, g => g.Count());

        Assert.Equal(new[] { Operation.Figure, Operation.Dataset }, picks.Keys.Order());
        Assert.InRange(picks[Operation.Figure], 2800, 3200);
        Assert.Equal("figure=3,dataset=1", mix.ToString());
    }

    [Theory]
    [InlineData("asks=3", "'asks=3' is not one")]
    [InlineData("figure=-1", "whole number")]
    [InlineData("figure=0,dataset=0", "nothing to run")]
    public void Mix_Bad_Refused(string text, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => OperationMix.Parse(text));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void VmRss_TabsAndSpaces_KibibytesToBytes()
    {
        string[] status = ["Name:\tdotnet", "VmHWM:\t  300000 kB", "VmRSS:\t  277084 kB", "RssAnon:\t  200000 kB"];

        Assert.Equal(277084L * 1024, MemorySampler.ParseVmRss(status));
        Assert.Null(MemorySampler.ParseVmRss(["Name:\tzombie", "State:\tZ (zombie)"]));
    }

    [Fact]
    public void VmRss_OfThisProcess_Read()
    {
        var rss = MemorySampler.ReadRss(Environment.ProcessId);

        Assert.NotNull(rss);
        Assert.True(rss > 1024 * 1024, $"RSS {rss} bytes");
        Assert.Null(MemorySampler.ReadRss(int.MaxValue));
    }

    [Fact]
    public void Gauge_ExactNameOnly_TimestampIgnored()
    {
        const string exposition = """
            # HELP dotnet_gc_heap_size_bytes GC heap size in bytes as of the last garbage collection.
            # TYPE dotnet_gc_heap_size_bytes gauge
            dotnet_gc_heap_size_bytes_extra 1
            dotnet_gc_heap_size_bytes 5.660968e+06 1700000000000
            process_resident_memory_bytes 151318528
            """;

        Assert.Equal(5660968, MemorySampler.ParseGauge(exposition, "dotnet_gc_heap_size_bytes"));
        Assert.Equal(151318528, MemorySampler.ParseGauge(exposition, "process_resident_memory_bytes"));
        Assert.Null(MemorySampler.ParseGauge(exposition, "dotnet_gc_heap"));
    }

    [Fact]
    public void Token_SentAsBearerAuthorization_NoneWithoutOne()
    {
        Assert.Equal("Bearer k-123", LoadRunner.Headers("k-123").GetValue("authorization"));
        Assert.Empty(LoadRunner.Headers(null));
        Assert.Empty(LoadRunner.Headers(""));
    }

    [Theory]
    [InlineData("DeadlineExceeded", "DEADLINE_EXCEEDED")]
    [InlineData("Unavailable", "UNAVAILABLE")]
    [InlineData("IOException", "IOEXCEPTION")]
    [InlineData("HttpRequestException", "HTTP_REQUEST_EXCEPTION")]
    public void StatusNames_UpperSnake(string pascal, string expected) => Assert.Equal(expected, LoadRunner.UpperSnake(pascal));
}
