using System.CommandLine;
using Tally.Common.V1;

namespace Tally.Cli.Infrastructure;

/// <summary>--dimension KEY=VALUE, repeatable: a breakdown such as criminality=convicted.</summary>
internal static class DimensionOption
{
    public static Option<string[]> Create() => new("--dimension", "-d")
    {
        Description = "Breakdown KEY=VALUE, repeatable (e.g. criminality=convicted); none for the metric's total",
        HelpName = "KEY=VALUE",
        AllowMultipleArgumentsPerToken = false,
        DefaultValueFactory = _ => [],
    };

    public static IEnumerable<Dimension> Parse(IEnumerable<string>? values) =>
        (values ?? []).Select(value =>
        {
            var equals = value.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || equals == value.Length - 1)
            {
                throw new CliUsageException($"--dimension '{value}' is not KEY=VALUE (e.g. criminality=convicted)");
            }
            return new Dimension { Key = value[..equals].Trim(), Value = value[(equals + 1)..].Trim() };
        });
}
