using Tally.Grpc;

namespace Tally.Cli.Infrastructure;

/// <summary>Turns a failure into one clear line on stderr (plus a hint when there is one) and an exit code.</summary>
internal static class ErrorReporter
{
    public static int Report(CliEnvironment env, RpcException exception, Uri server, TimeSpan timeout)
    {
        var status = exception.Status;
        var detail = OneLine(status.Detail);
        env.Error.WriteLine(detail.Length == 0
            ? $"error: {ExitCodes.StatusName(status.StatusCode)}"
            : $"error: {ExitCodes.StatusName(status.StatusCode)}: {detail}");
        var hint = Hint(status.StatusCode, server, timeout);
        if (hint is not null)
        {
            env.Error.WriteLine($"hint: {hint}");
        }
        return ExitCodes.FromStatus(status.StatusCode);
    }

    public static int Report(CliEnvironment env, string message, int exitCode)
    {
        env.Error.WriteLine($"error: {OneLine(message)}");
        return exitCode;
    }

    internal static string? Hint(StatusCode code, Uri server, TimeSpan timeout) => code switch
    {
        StatusCode.Unavailable =>
            $"is Tally running at {Display(server)}? start it with `make run`, or point --server / TALLY_SERVER at it",
        StatusCode.Unauthenticated =>
            "pass an API key with --token or TALLY_TOKEN (an admin creates one with `tally keys create`)",
        StatusCode.PermissionDenied =>
            "your key's role does not allow this; `tally whoami` shows it, an admin can create a key with the needed role",
        StatusCode.DeadlineExceeded =>
            $"no answer within {TimeoutOption.Format(timeout)}; allow longer with --timeout (e.g. --timeout 2m)",
        _ => null,
    };

    private static string Display(Uri server) => server.GetLeftPart(UriPartial.Authority);

    private static string OneLine(string text) =>
        string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
