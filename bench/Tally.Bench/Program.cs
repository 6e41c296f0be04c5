using Tally.Bench.Ask;
using Tally.Bench.Datasets;
using Tally.Bench.Load;
using Tally.Bench.Rpc;

// Tally.Bench rpc [options]          the RPC benchmark (default); see RpcBenchmarkOptions for the options
// Tally.Bench ask --host DLL [..]   Ask over gRPC against the all-in-one (start time, uncached and cached latency)
// Tally.Bench ask-distributed [..]   Ask against a running distributed Tally (make up): Redis hits vs computed, 64 in flight,
//                                    hit ratio, definition change to eviction; see DistributedAskBenchmark.Usage
// Tally.Bench datasets [..]          dataset ingest / computed-metric latency vs sqlite3 .import and psql \copy (DatasetBenchmark)
// Tally.Bench dataset-load ..        one engine load in its own process (the datasets benchmark starts it)
// Tally.Bench load [..]              the mixed load / soak workload against a running Tally (make load, make soak; LoadOptions.Usage)
// Tally.Bench load-report [..]       load results (JSON, one per mode) to bench/results/<load|soak>-<date>.md (LoadReport)
// Tally.Bench echo-server --port N   Tally's echo server alone (the benchmark starts it as a child process)
try
{
    return args switch
    {
        ["echo-server", .. var rest] => await EchoServer.RunAsync(rest),
        ["ask", .. var rest] => await AskBenchmark.RunAsync(rest),
        ["ask-distributed", .. var rest] => await DistributedAskBenchmark.RunAsync(rest),
        ["datasets", .. var rest] => await DatasetBenchmark.RunAsync(rest),
        ["dataset-load", .. var rest] => await DatasetLoadChild.RunAsync(rest),
        ["load", .. var rest] => await LoadRunner.RunAsync(rest),
        ["load-report", .. var rest] => await LoadReport.RunAsync(rest),
        ["rpc", .. var rest] => await RpcBenchmark.RunAsync(RpcBenchmarkOptions.Parse(rest)),
        [] or [['-', ..], ..] => await RpcBenchmark.RunAsync(RpcBenchmarkOptions.Parse(args)),
        _ => throw new ArgumentException($"unknown benchmark '{args[0]}'."),
    };
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"bench: {ex.Message}");
    Console.Error.WriteLine(RpcBenchmarkOptions.Usage);
    return 2;
}
