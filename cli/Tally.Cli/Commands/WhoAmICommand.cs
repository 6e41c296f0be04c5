using System.CommandLine;
using Tally.Access.V1;
using Tally.Cli.Infrastructure;

namespace Tally.Cli.Commands;

/// <summary>tally whoami — AccessService.WhoAmI: who the server takes the caller for, and the role in effect.</summary>
internal static class WhoAmICommand
{
    public static Command Create(CliContext context)
    {
        var format = OutputFormat.Create(OutputFormat.Text, OutputFormat.Json);
        var command = new Command("whoami", "Show who the server takes you for (from --token / TALLY_TOKEN) and your role") { format };
        CliAction.Set(command, context, async (parse, tally, ct) =>
        {
            var me = await tally.Access.WhoAmIAsync(new WhoAmIRequest(), tally.Call(ct));
            await context.Env.Out.WriteAsync(parse.GetValue(format) == OutputFormat.Json
                ? OutputFormat.ToJson(me)
                : $"{me.Name} ({me.Subject}), role {KeysCommand.Role(me.Role)}, authenticated by {me.Method}\n");
            return ExitCodes.Ok;
        });
        return command;
    }
}
