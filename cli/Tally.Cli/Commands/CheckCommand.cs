using System.CommandLine;
using Tally.Cli.Infrastructure;
using Tally.Cli.Rendering;
using Tally.Query.V1;

namespace Tally.Cli.Commands;

/// <summary>tally check "CLAIM" — QueryService.CheckClaim: a verdict and the answer behind it.</summary>
internal static class CheckCommand
{
    public static Command Create(CliContext context)
    {
        var claim = new Argument<string>("claim") { Description = "The claim as published, in quotes, e.g. \"ICE deported 271,484 people in 2024\"" };
        var claimant = new Option<string?>("--claimant") { Description = "Who made the claim (for the ClaimReview)", HelpName = "WHO" };
        var claimUrl = new Option<string?>("--claim-url") { Description = "Where the claim appeared", HelpName = "URL" };
        var claimDate = new Option<string?>("--claim-date") { Description = "When the claim was made, YYYY-MM-DD", HelpName = "DATE" };
        var format = OutputFormat.Create(OutputFormat.Text, OutputFormat.Json, OutputFormat.Markdown, OutputFormat.JsonLd);
        var command = new Command("check", "Check a claim that contains a number: verdict, explanation and the answer behind it")
        {
            claim, claimant, claimUrl, claimDate, format,
        };
        CliAction.Set(command, context, async (parse, tally, ct) =>
        {
            var date = parse.GetValue(claimDate)?.Trim() ?? "";
            if (date.Length > 0 && !DateOnly.TryParseExact(date, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out _))
            {
                throw new CliUsageException($"--claim-date '{date}' is not YYYY-MM-DD");
            }
            var request = new CheckClaimRequest
            {
                Claim = parse.GetValue(claim) ?? "",
                Claimant = parse.GetValue(claimant)?.Trim() ?? "",
                ClaimUrl = parse.GetValue(claimUrl)?.Trim() ?? "",
                ClaimDate = date,
            };
            var response = await tally.Query.CheckClaimAsync(request, tally.Call(ct));
            var output = parse.GetValue(format) switch
            {
                OutputFormat.Json => OutputFormat.ToJson(response),
                OutputFormat.JsonLd => response.ClaimReviewJsonLd.TrimEnd() + "\n",
                OutputFormat.Markdown => await MarkdownAsync(tally, response, ct),
                _ => QueryRenderers.Claim(response, context.Env.Render),
            };
            await context.Env.Out.WriteAsync(output);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task<string> MarkdownAsync(TallyConnection tally, CheckClaimResponse response, CancellationToken ct)
    {
        var verdict = $"**Verdict: {Formats.ProtoName(response.Verdict)}.** {response.Explanation}\n\n";
        if (response.Answer is null)
        {
            return verdict;
        }
        var brief = await tally.Query.RenderBriefAsync(new RenderBriefRequest { Answer = response.Answer }, tally.Call(ct));
        return verdict + brief.Markdown.TrimEnd() + "\n";
    }
}
