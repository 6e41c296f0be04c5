namespace Tally.Cli.Infrastructure;

/// <summary>A mistake in the command line or its inputs, found before any call: "error: …", exit code 2.</summary>
internal sealed class CliUsageException : Exception
{
    public CliUsageException() { }
    public CliUsageException(string message) : base(message) { }
    public CliUsageException(string message, Exception innerException) : base(message, innerException) { }
}
