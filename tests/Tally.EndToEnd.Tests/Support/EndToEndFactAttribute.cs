namespace Tally.EndToEnd.Tests.Support;

/// <summary>
/// A test of the distributed mode. Skipped, saying why, when TALLY_TEST_POSTGRES or TALLY_TEST_AMQP is unset
/// (scripts/infra-up.sh, then source $TALLY_INFRA_DIR/env), redis-server is not installed, or the hosts are not built.
/// </summary>
public sealed class EndToEndFactAttribute : FactAttribute
{
    public EndToEndFactAttribute()
    {
        if (SkipReason() is { } reason)
        {
            Skip = reason;
        }
    }

    public static string? SkipReason()
    {
        var unset = new[] { DistributedTally.PostgresVariable, DistributedTally.AmqpVariable }
            .Where(v => string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(v))).ToList();
        if (unset.Count > 0)
        {
            return $"{string.Join(" and ", unset)} not set (run scripts/infra-up.sh and source /tmp/tally-infra/env): the end-to-end tests did not run.";
        }

        if (!RedisProcess.Installed)
        {
            return "redis-server is not on PATH (scripts/install-deps.sh installs it): the end-to-end tests did not run.";
        }

        return HostBuild.Missing() is { } missing ? $"the service hosts are {missing}: the end-to-end tests did not run." : null;
    }
}

/// <summary>All end-to-end tests share one distributed Tally and run one at a time (the fault tests freeze and kill parts of it).</summary>
[CollectionDefinition(Name)]
public sealed class DistributedCollection : ICollectionFixture<DistributedTally>
{
    public const string Name = "distributed";
}
