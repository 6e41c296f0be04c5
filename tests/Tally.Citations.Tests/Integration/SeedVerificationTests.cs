using Microsoft.Extensions.DependencyInjection;
using Tally.Analysis;
using Tally.Catalog;
using Tally.Citations.Checking;
using Tally.Citations.V1;
using Tally.Common.V1;
using Tally.Ingestion.V1;
using Tally.TestSupport;
using Outcome = Tally.Common.V1.Verification.Types.Outcome;

namespace Tally.Citations.Tests.Integration;

/// <summary>Ingesting each seed with its catalog source id verifies every bundled citation of that source.</summary>
public sealed class SeedVerificationTests
{
    [SeedsFact]
    public async Task EverySeed_VerifiesEveryBundledCitationOfItsSource()
    {
        await using var host = await TallyTestHost.StartAsync();
        var catalog = host.Catalog;
        var seeded = catalog.Sources.Where(s => s.Seed is not null).ToList();
        Assert.Equal(5, seeded.Count);
        var failures = new List<string>();
        var verifiedCount = 0;
        foreach (var source in seeded)
        {
            var bytes = await File.ReadAllBytesAsync(Path.Combine(SharedData.SeedsDirectory!, source.Seed + ".txt"));
            var ingested = await host.IngestAsync(bytes, source.Seed + ".txt", source.Id);
            var snapshot = await host.Ingestion.GetSnapshotAsync(new GetSnapshotRequest { SnapshotId = ingested.Snapshot.Id, IncludeText = true });
            var citations = catalog.Figures.SelectMany(f => f.Citations).Where(c => c.Source == source.Id)
                .Select(c => (Id: CitationIds.ForSourceFragment(c.Source, c.Fragment), c.Fragment)).Distinct().ToList();
            Assert.NotEmpty(citations);
            foreach (var (id, fragment) in citations)
            {
                var citation = await host.WaitForCitationAsync(id, c => c.Verified);
                if (!citation.Verified)
                {
                    failures.Add($"{source.Id} {id}: {citation.Verification?.Detail ?? "never checked"}");
                    continue;
                }

                verifiedCount++;
                Assert.Equal(ingested.Snapshot.Id, citation.SnapshotId);
                Assert.Contains(citation.Verification.Outcome, new[] { Outcome.FoundExact, Outcome.FoundNormalised });
                var quoted = snapshot.Text[(int)citation.Locator.CharStart..(int)citation.Locator.CharEnd];
                Assert.Equal(TextNormalizer.ForMatching(fragment), TextNormalizer.ForMatching(quoted));
                Assert.Contains("#:~:text=", citation.Link, StringComparison.Ordinal);
            }
        }

        Assert.True(failures.Count == 0, "Unverified bundled citations:\n" + string.Join("\n", failures));
        Assert.Equal(50, verifiedCount);
        var sourceAfter = await host.Citations.GetSourceAsync(new GetSourceRequest { SourceId = seeded[0].Id });
        Assert.NotEqual("", sourceAfter.Source.RetrievedDate); // moved to the snapshot's retrieved date
    }

    [SeedsFact]
    public async Task NewerSnapshot_NeverRewritesAnEarlierVerification()
    {
        await using var host = await TallyTestHost.StartAsync();
        const string sourceId = "ice-annual-report-fy2024-page";
        var seed = host.Catalog.FindSource(sourceId)!.Seed!;
        var bytes = await File.ReadAllBytesAsync(Path.Combine(SharedData.SeedsDirectory!, seed + ".txt"));
        var first = await host.IngestAsync(bytes, seed + ".txt", sourceId);
        var citationId = host.Catalog.Figures.SelectMany(f => f.Citations).Where(c => c.Source == sourceId)
            .Select(c => CitationIds.ForSourceFragment(c.Source, c.Fragment)).First();
        var before = await host.WaitForCitationAsync(citationId, c => c.Verified);
        Assert.True(before.Verified);

        var revised = await host.IngestAsync([.. bytes, .. "\n\nUpdated page footer."u8.ToArray()], seed + "-v2.txt", sourceId);
        var verifier = host.App.Services.GetRequiredService<CitationVerifier>();
        var rechecked = await verifier.VerifyPendingAsync(sourceId, revised.Snapshot.Id, CancellationToken.None);
        var viaRpc = await host.Citations.VerifyCitationAsync(new VerifyCitationRequest { CitationId = citationId });

        Assert.NotEqual(first.Snapshot.Id, revised.Snapshot.Id);
        Assert.Empty(rechecked);
        Assert.Equal(first.Snapshot.Id, viaRpc.Citation.SnapshotId);
        Assert.True(viaRpc.Citation.Verified);
        Assert.False(viaRpc.Changed);
    }
}
