using System.CommandLine;
using Tally.Grpc;

namespace Tally.Cli.Infrastructure;

/// <summary>
/// Runs a command's body with a connection and maps every failure to one stderr line and an exit code:
/// gRPC status → <see cref="ExitCodes.FromStatus"/>; bad input found locally → 2.
/// </summary>
internal static class CliAction
{
    public delegate Task<int> Body(ParseResult parse, TallyConnection connection, CancellationToken cancellationToken);

    /// <param name="defaultTimeout">Deadline of the command's calls when --timeout is not given; null for 30 s.</param>
    public static void Set(Command command, CliContext context, Body body, TimeSpan? defaultTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(context);
        command.SetAction((parse, cancellationToken) => RunAsync(parse, context, body, defaultTimeout, cancellationToken));
    }

    private static async Task<int> RunAsync(ParseResult parse, CliContext context, Body body, TimeSpan? defaultTimeout,
        CancellationToken cancellationToken)
    {
        var env = context.Env;
        Uri server;
        TallyConnection connection;
        try
        {
            server = ServerAddress.Resolve(parse.GetValue(context.Globals.Server), env.GetVariable);
            var tls = ClientTls.Resolve(parse, context.Globals, env.GetVariable, server);
            var token = parse.GetValue(context.Globals.Token) is { Length: > 0 } given ? given : env.GetVariable(GlobalOptions.TokenVariable);
            connection = new TallyConnection(server, parse.GetValue(context.Globals.Timeout), defaultTimeout, tls, token?.Trim());
        }
        catch (CliUsageException e)
        {
            return ErrorReporter.Report(env, e.Message, ExitCodes.UserError);
        }
        using var _ = connection;
        try
        {
            return await body(parse, connection, cancellationToken);
        }
        catch (RpcException e)
        {
            return ErrorReporter.Report(env, e, server, connection.Timeout, connection.Tls);
        }
        catch (CliUsageException e)
        {
            return ErrorReporter.Report(env, e.Message, ExitCodes.UserError);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            return ErrorReporter.Report(env, e.Message, ExitCodes.UserError);
        }
        catch (IOException e)
        {
            return ErrorReporter.Report(env, e.Message, ExitCodes.Failure);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ErrorReporter.Report(env, "cancelled", ExitCodes.Failure);
        }
    }
}
