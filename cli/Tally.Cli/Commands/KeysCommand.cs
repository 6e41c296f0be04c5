using System.CommandLine;
using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Tally.Access.V1;
using Tally.Cli.Infrastructure;
using Spectre.Console;
using Tally.Cli.Rendering;

namespace Tally.Cli.Commands;

/// <summary>tally keys create | list | revoke — AccessService key management (admin role).</summary>
internal static class KeysCommand
{
    public static Command Create(CliContext context) =>
        new("keys", "Create, list and revoke API keys (needs an admin key; the first one is made with the bootstrap token the server logs)")
        {
            CreateKey(context), ListKeys(context), RevokeKey(context),
        };

    private static Command CreateKey(CliContext context)
    {
        var name = new Option<string>("--name") { Description = "Who or what the key is for, such as alice or newsroom-cms", HelpName = "NAME", Required = true };
        var role = new Option<string>("--role") { Description = "reader, editor or admin", HelpName = "ROLE", Required = true };
        role.AcceptOnlyFromAmong("reader", "editor", "admin");
        var expires = new Option<DateTimeOffset?>("--expires") { Description = "When the key stops working (YYYY-MM-DD or an ISO 8601 time, UTC)", HelpName = "WHEN" };
        var format = OutputFormat.Create(OutputFormat.Text, OutputFormat.Json);
        var command = new Command("create", "Create an API key; its secret is printed once and cannot be shown again") { name, role, expires, format };
        CliAction.Set(command, context, async (parse, tally, ct) =>
        {
            var request = new CreateApiKeyRequest { Name = parse.GetValue(name)!.Trim(), Role = RoleOf(parse.GetValue(role)!) };
            if (parse.GetValue(expires) is { } when)
            {
                request.ExpiresAt = Timestamp.FromDateTimeOffset(when.ToUniversalTime());
            }

            var created = await tally.Access.CreateApiKeyAsync(request, tally.Call(ct));
            if (parse.GetValue(format) == OutputFormat.Json)
            {
                await context.Env.Out.WriteAsync(OutputFormat.ToJson(created));
                return ExitCodes.Ok;
            }

            var k = created.Key;
            await context.Env.Out.WriteAsync(
                $"Created key {k.KeyId} for {k.Name} ({Role(k.Role)}){(k.ExpiresAt is { } e ? $", expires {e.ToDateTime():yyyy-MM-dd HH:mm} UTC" : "")}.\n\n" +
                $"  {created.Secret}\n\n" +
                "This is the only time the secret is shown: hand it over now. Use it with --token or TALLY_TOKEN.\n");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command ListKeys(CliContext context)
    {
        var all = new Option<bool>("--all") { Description = "Include revoked and expired keys" };
        var format = OutputFormat.Create(OutputFormat.Text, OutputFormat.Json);
        var command = new Command("list", "List API keys (never their secrets)") { all, format };
        CliAction.Set(command, context, async (parse, tally, ct) =>
        {
            var keys = await tally.Access.ListApiKeysAsync(new ListApiKeysRequest { IncludeInactive = parse.GetValue(all) }, tally.Call(ct));
            if (parse.GetValue(format) == OutputFormat.Json)
            {
                await context.Env.Out.WriteAsync(OutputFormat.ToJson(keys));
                return ExitCodes.Ok;
            }

            var canvas = new TextCanvas(context.Env.Render);
            if (keys.Keys.Count == 0)
            {
                await context.Env.Out.WriteAsync(canvas.Line("No keys.").ToString());
                return ExitCodes.Ok;
            }

            var table = canvas.Table("Key id", "Name", "Role", "Created", "State");
            foreach (var k in keys.Keys)
            {
                var state = k.RevokedAt is { } r ? $"revoked {Day(r)} by {k.RevokedBy}"
                    : k.ExpiresAt is { } e && e.ToDateTimeOffset() <= DateTimeOffset.UtcNow ? $"expired {Day(e)}"
                    : k.ExpiresAt is { } x ? $"active until {Day(x)}" : "active";
                table.AddRow(TextCanvas.Cell(k.KeyId), TextCanvas.Cell(k.Name), TextCanvas.Cell(Role(k.Role)),
                    TextCanvas.Cell($"{Day(k.CreatedAt)} by {k.CreatedBy}"), TextCanvas.Cell(state));
            }

            canvas.Add(table);
            await context.Env.Out.WriteAsync(canvas.ToString());
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command RevokeKey(CliContext context)
    {
        var id = new Argument<string>("KEY_ID") { Description = "The key's id (tally keys list shows it)" };
        var reason = new Option<string?>("--reason") { Description = "Why; recorded in the audit trail", HelpName = "TEXT" };
        var command = new Command("revoke", "Revoke an API key at once") { id, reason };
        CliAction.Set(command, context, async (parse, tally, ct) =>
        {
            var result = await tally.Access.RevokeApiKeyAsync(
                new RevokeApiKeyRequest { KeyId = parse.GetValue(id)!.Trim(), Reason = parse.GetValue(reason)?.Trim() ?? "" }, tally.Call(ct));
            await context.Env.Out.WriteLineAsync(result.Changed
                ? $"Revoked key {result.Key.KeyId} ({result.Key.Name}). Calls with it are refused from now on."
                : $"Key {result.Key.KeyId} ({result.Key.Name}) was already revoked on {Day(result.Key.RevokedAt)}.");
            return ExitCodes.Ok;
        });
        return command;
    }

    internal static Role RoleOf(string name) => name switch
    {
        "reader" => Access.V1.Role.Reader,
        "editor" => Access.V1.Role.Editor,
        "admin" => Access.V1.Role.Admin,
        _ => throw new CliUsageException($"--role must be reader, editor or admin (got '{name}')."),
    };

    internal static string Role(Role role) => role switch
    {
        Access.V1.Role.Reader => "reader",
        Access.V1.Role.Editor => "editor",
        Access.V1.Role.Admin => "admin",
        Access.V1.Role.Service => "service",
        _ => "none",
    };

    internal static string Day(Timestamp? t) => t is null ? "?" : t.ToDateTime().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
