using System.CommandLine;
using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Tally.Access.V1;
using Tally.Cli.Infrastructure;
using Tally.Cli.Rendering;

namespace Tally.Cli.Commands;

/// <summary>tally audit — AccessService.ListAuditEntries: who changed what, newest first.</summary>
internal static class AuditCommand
{
    public static Command Create(CliContext context)
    {
        var metric = new Option<string?>("--metric") { Description = "Only changes to this metric id", HelpName = "ID" };
        var since = new Option<string?>("--since") { Description = "Only changes at or after this date (YYYY-MM-DD, ISO 8601) or this long ago (7d, 12h)", HelpName = "WHEN" };
        var actor = new Option<string?>("--actor") { Description = "Only changes by this person or key (name or subject)", HelpName = "WHO" };
        var kind = new Option<string?>("--kind") { Description = "Only this kind of target: metric, source, dataset, citation, api_key", HelpName = "KIND" };
        kind.AcceptOnlyFromAmong("metric", "source", "dataset", "citation", "api_key");
        var limit = new Option<int>("--limit") { Description = "At most this many entries", HelpName = "N", DefaultValueFactory = _ => 50 };
        var format = OutputFormat.Create(OutputFormat.Text, OutputFormat.Json);
        var command = new Command("audit", "Show the audit trail: who changed definitions, sources, datasets, citations and keys, and when")
        {
            metric, since, actor, kind, limit, format,
        };
        CliAction.Set(command, context, async (parse, tally, ct) =>
        {
            var max = parse.GetValue(limit);
            if (max <= 0) throw new CliUsageException($"--limit must be positive (got {max}).");
            var request = new ListAuditEntriesRequest
            {
                MetricId = parse.GetValue(metric)?.Trim() ?? "",
                Actor = parse.GetValue(actor)?.Trim() ?? "",
                TargetKind = parse.GetValue(kind) ?? "",
                PageSize = Math.Min(max, 500),
            };
            if (parse.GetValue(since) is { Length: > 0 } when)
            {
                request.Since = Timestamp.FromDateTimeOffset(ParseSince(when, DateTimeOffset.UtcNow));
            }

            var all = new ListAuditEntriesResponse();
            do
            {
                var page = await tally.Access.ListAuditEntriesAsync(request, tally.Call(ct));
                all.Entries.AddRange(page.Entries.Take(max - all.Entries.Count));
                request.PageToken = all.Entries.Count < max ? page.NextPageToken : "";
            }
            while (request.PageToken.Length > 0);

            if (parse.GetValue(format) == OutputFormat.Json)
            {
                await context.Env.Out.WriteAsync(OutputFormat.ToJson(all));
                return ExitCodes.Ok;
            }

            var canvas = new TextCanvas(context.Env.Render);
            if (all.Entries.Count == 0)
            {
                await context.Env.Out.WriteAsync(canvas.Line("No audit entries match.").ToString());
                return ExitCodes.Ok;
            }

            foreach (var e in all.Entries)
            {
                var change = e.Before.Length > 0 ? $"{e.Before} → {e.After}" : e.After;
                canvas.Line($"{e.OccurredAt.ToDateTime():yyyy-MM-dd HH:mm:ss}Z  {e.Action,-18} {e.TargetId}  {change}  by {Who(e)}");
                if (e.Detail.Length > 0)
                {
                    canvas.Indented(e.Detail, indent: 4);
                }
            }

            await context.Env.Out.WriteAsync(canvas.ToString());
            return ExitCodes.Ok;
        });
        return command;
    }

    private static string Who(AuditEntry e) => e.ActorName == e.ActorSubject || e.ActorSubject.Length == 0 ? e.ActorName : $"{e.ActorName} ({e.ActorSubject})";

    /// <summary>"2026-11-01", an ISO 8601 time, or a duration back from now ("7d", "12h", "30m").</summary>
    internal static DateTimeOffset ParseSince(string text, DateTimeOffset now)
    {
        text = text.Trim();
        if (text.Length >= 2 && char.IsAsciiDigit(text[0]) && text[^1] is 'd' or 'h' or 'm' &&
            int.TryParse(text[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            return now - (text[^1] switch { 'd' => TimeSpan.FromDays(n), 'h' => TimeSpan.FromHours(n), _ => TimeSpan.FromMinutes(n) });
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
        {
            return at;
        }

        throw new CliUsageException($"--since '{text}' is neither a date (2026-11-01), an ISO 8601 time, nor a span such as 7d or 12h.");
    }
}
