using System.Diagnostics;
using Npgsql;

namespace Tally.Messaging.Tests.Infrastructure;

/// <summary>The throwaway servers (scripts/infra-up.sh; source $TALLY_INFRA_DIR/env) and how to restart them.</summary>
internal static class TestEnvironment
{
    public static string? Amqp => Value("TALLY_TEST_AMQP");

    public static string? Postgres => Value("TALLY_TEST_POSTGRES");

    public static string RepoRoot { get; } = FindRepoRoot();

    public const string NoAmqp = "TALLY_TEST_AMQP is not set (run scripts/infra-up.sh rabbitmq and source $TALLY_INFRA_DIR/env): the RabbitMQ test did not run.";

    public const string NoPostgres = "TALLY_TEST_POSTGRES is not set (run scripts/infra-up.sh postgres and source $TALLY_INFRA_DIR/env): the PostgreSQL variant did not run.";

    /// <summary>
    /// Why the test may not restart the RabbitMQ server, or null when it may: the server must be the one
    /// scripts/infra-up.sh started under TALLY_INFRA_DIR, on the port TALLY_TEST_AMQP names.
    /// </summary>
    public static string? CannotRestartRabbitMq()
    {
        if (Amqp is null)
        {
            return NoAmqp;
        }

        var configured = Environment.GetEnvironmentVariable("TALLY_AMQP_PORT") is { Length: > 0 } p ? int.Parse(p, System.Globalization.CultureInfo.InvariantCulture) : 5682;
        return RestartProblem("rabbitmq", new Uri(Amqp).Port, configured, "TALLY_AMQP_PORT");
    }

    /// <summary>As <see cref="CannotRestartRabbitMq"/>, for PostgreSQL.</summary>
    public static string? CannotRestartPostgres()
    {
        if (Postgres is null)
        {
            return NoPostgres;
        }

        var configured = Environment.GetEnvironmentVariable("TALLY_PG_PORT") is { Length: > 0 } p ? int.Parse(p, System.Globalization.CultureInfo.InvariantCulture) : 5439;
        return RestartProblem("postgres", new NpgsqlConnectionStringBuilder(Postgres).Port, configured, "TALLY_PG_PORT");
    }

    /// <summary>Stops a server with scripts/infra-down.sh, keeping its data (TALLY_KEEP_STATE=1).</summary>
    public static Task StopAsync(string server) => RunScriptAsync("infra-down.sh", server);

    /// <summary>Starts it again with scripts/infra-up.sh (which waits, bounded, until it answers).</summary>
    public static Task StartAsync(string server) => RunScriptAsync("infra-up.sh", server);

    private static string? RestartProblem(string server, int testPort, int scriptPort, string portVariable)
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("TALLY_INFRA_DIR")))
        {
            return $"TALLY_INFRA_DIR is not set, so this test cannot stop and start {server} with scripts/infra-down.sh / infra-up.sh (scripts/test.sh sets it).";
        }

        return testPort == scriptPort
            ? null
            : $"The test server listens on port {testPort} but the scripts would act on {scriptPort}: export {portVariable}={testPort} (and the other TALLY_* ports infra-up.sh was started with).";
    }

    private static async Task RunScriptAsync(string script, string server)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = RepoRoot,
        };
        start.ArgumentList.Add(Path.Combine(RepoRoot, "scripts", script));
        start.ArgumentList.Add(server);
        start.Environment["TALLY_KEEP_STATE"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not run scripts/{script}");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(bound.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"scripts/{script} {server} exited with {process.ExitCode}:\n{await output}\n{await error}");
        }
    }

    private static string? Value(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v && !string.IsNullOrWhiteSpace(v) ? v : null;

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "scripts", "infra-up.sh")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No repository root (a folder with scripts/infra-up.sh) above {AppContext.BaseDirectory}.");
    }
}

/// <summary>A fact that needs RabbitMQ (TALLY_TEST_AMQP); skipped, saying so, when it is not configured.</summary>
public sealed class RabbitMqFactAttribute : FactAttribute
{
    public RabbitMqFactAttribute()
    {
        if (TestEnvironment.Amqp is null)
        {
            Skip = TestEnvironment.NoAmqp;
        }
    }
}

/// <summary>A fact that needs PostgreSQL (TALLY_TEST_POSTGRES); skipped, saying so, when it is not configured.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (TestEnvironment.Postgres is null)
        {
            Skip = TestEnvironment.NoPostgres;
        }
    }
}

/// <summary>Tests that stop and start a shared server: they run alone, after every other test of this assembly.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ServerRestarts
{
    public const string Name = "server restarts";
}

/// <summary>A fact that stops and starts a shared test server ("rabbitmq" or "postgres"); skipped, saying why, when it may not.</summary>
public sealed class RestartsFactAttribute : FactAttribute
{
    public RestartsFactAttribute(string server)
    {
        Skip = server == "rabbitmq" ? TestEnvironment.CannotRestartRabbitMq() : TestEnvironment.CannotRestartPostgres();
    }
}
