using Tally.Cli.Infrastructure;
using Tally.Grpc;

namespace Tally.Cli.Tests;

public sealed class ExitCodeTests
{
    [Theory]
    [InlineData(StatusCode.OK, 0)]
    [InlineData(StatusCode.InvalidArgument, 2)]
    [InlineData(StatusCode.NotFound, 2)]
    [InlineData(StatusCode.AlreadyExists, 2)]
    [InlineData(StatusCode.FailedPrecondition, 2)]
    [InlineData(StatusCode.OutOfRange, 2)]
    [InlineData(StatusCode.ResourceExhausted, 2)]
    [InlineData(StatusCode.Unavailable, 3)]
    [InlineData(StatusCode.Unimplemented, 1)]
    [InlineData(StatusCode.Internal, 1)]
    [InlineData(StatusCode.DeadlineExceeded, 1)]
    [InlineData(StatusCode.Aborted, 1)]
    [InlineData(StatusCode.Unknown, 1)]
    public void StatusCodes_MapToExitCodes(StatusCode code, int exit) => Assert.Equal(exit, ExitCodes.FromStatus(code));

    [Fact]
    public void StatusNames_AreTheCanonicalUpperSnakeNames()
    {
        Assert.Equal("INVALID_ARGUMENT", ExitCodes.StatusName(StatusCode.InvalidArgument));
        Assert.Equal("DEADLINE_EXCEEDED", ExitCodes.StatusName(StatusCode.DeadlineExceeded));
        Assert.All(Enum.GetValues<StatusCode>(), c => Assert.Matches("^[A-Z_]+$", ExitCodes.StatusName(c)));
    }

    [Fact]
    public void RpcError_IsOneLineOnStderrWithTheStatusName()
    {
        using var stderr = new StringWriter();
        var env = CliEnvironment.ForWriters(TextWriter.Null, stderr);
        var exit = ErrorReporter.Report(env,
            new RpcException(new Status(StatusCode.NotFound, "unknown metric 'ice-remvals';\nnearest: ice-removals, ice-returns")),
            new Uri("http://127.0.0.1:7400"), TimeSpan.FromSeconds(30));
        Assert.Equal(2, exit);
        Assert.Equal("error: NOT_FOUND: unknown metric 'ice-remvals'; nearest: ice-removals, ice-returns\n", stderr.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Unavailable_AddsAHintToStartTally()
    {
        using var stderr = new StringWriter();
        var exit = ErrorReporter.Report(CliEnvironment.ForWriters(TextWriter.Null, stderr),
            new RpcException(new Status(StatusCode.Unavailable, "Error connecting")), new Uri("http://127.0.0.1:7400"), TimeSpan.FromSeconds(30));
        Assert.Equal(3, exit);
        var lines = stderr.ToString().ReplaceLineEndings("\n").TrimEnd().Split('\n');
        Assert.Equal("error: UNAVAILABLE: Error connecting", lines[0]);
        Assert.StartsWith("hint: is Tally running at http://127.0.0.1:7400? start it with `make run`", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void DeadlineExceeded_HintNamesTheTimeout() =>
        Assert.Contains("no answer within 30s", ErrorReporter.Hint(StatusCode.DeadlineExceeded, new Uri("http://h:1"), TimeSpan.FromSeconds(30)),
            StringComparison.Ordinal);
}
