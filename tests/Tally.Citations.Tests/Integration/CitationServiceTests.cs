using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Tally.Catalog;
using Tally.Citations.Checking;
using Tally.Citations.Storage;
using Tally.Citations.V1;
using Tally.Common.V1;
using Tally.Contracts.Events;
using Tally.Grpc;
using Tally.TestSupport;
using Outcome = Tally.Common.V1.Verification.Types.Outcome;

namespace Tally.Citations.Tests.Integration;

/// <summary>The citation service over real gRPC, reading snapshots from the real ingestion service in the same host.</summary>
public sealed class CitationServiceTests
{
    private const string Source = "colorlines-2012-deportation-review";
    private const string Text = "Officials said ICE removed 271,484 people in FY2024.\n\nThe agency\u2019s \u201Ccriminal\u201D share was 32.7\u00A0%.";

    private static async Task<string> IngestNoteAsync(TallyTestHost host, string text = Text) =>
        (await host.IngestAsync(Encoding.UTF8.GetBytes(text), "note.txt", Source)).Snapshot.Id;

    [Fact]
    public async Task CreateCitation_Verbatim_VerifiedWithOffsetsLinkAndEvent()
    {
        await using var host = await TallyTestHost.StartAsync();
        var snapshot = await IngestNoteAsync(host);

        var response = await host.Citations.CreateCitationAsync(new CreateCitationRequest { SnapshotId = snapshot, Fragment = "ICE removed 271,484 people" });

        var citation = response.Citation;
        Assert.False(response.AlreadyExisted);
        Assert.True(citation.Verified);
        Assert.Equal(Outcome.FoundExact, citation.Verification.Outcome);
        Assert.Equal("ICE removed 271,484 people", Text[(int)citation.Locator.CharStart..(int)citation.Locator.CharEnd]);
        Assert.Equal(snapshot, citation.SnapshotId);
        Assert.Equal(Source, citation.SourceId);
        Assert.StartsWith("https://colorlines.com/", citation.Link, StringComparison.Ordinal);
        Assert.Contains("#:~:text=ICE%20removed%20271%2C484%20people", citation.Link, StringComparison.Ordinal);
        var verified = await host.Events.WaitForAsync<CitationVerified>(e => e.CitationId == citation.Id);
        Assert.True(verified.Verified);
        Assert.True(verified.Changed);
    }

    [Fact]
    public async Task CreateCitation_TypographyDiffers_VerifiedNormalised()
    {
        await using var host = await TallyTestHost.StartAsync();
        var snapshot = await IngestNoteAsync(host);

        var citation = (await host.Citations.CreateCitationAsync(new CreateCitationRequest
        {
            SnapshotId = snapshot,
            Fragment = "The agency's \"criminal\" share was 32.7%",
        })).Citation;

        Assert.True(citation.Verified);
        Assert.Equal(Outcome.FoundNormalised, citation.Verification.Outcome);
        Assert.Equal("The agency\u2019s \u201Ccriminal\u201D share was 32.7\u00A0%", Text[(int)citation.Locator.CharStart..(int)citation.Locator.CharEnd]);
    }

    [Fact]
    public async Task CreateCitation_OneDigitChanged_NotVerified_DetailSaysWhereItDiffers()
    {
        await using var host = await TallyTestHost.StartAsync();
        var snapshot = await IngestNoteAsync(host);

        var citation = (await host.Citations.CreateCitationAsync(new CreateCitationRequest { SnapshotId = snapshot, Fragment = "ICE removed 271,485 people in FY2024" })).Citation;

        Assert.False(citation.Verified);
        Assert.Equal(Outcome.NotFound, citation.Verification.Outcome);
        Assert.Contains("differs at word 3: '271,485' (fragment) vs '271,484' (document)", citation.Verification.Detail, StringComparison.Ordinal);
        Assert.Equal(0, citation.Locator.CharEnd);
    }

    [Fact]
    public async Task CreateCitation_Twice_SameIdAlreadyExisted()
    {
        await using var host = await TallyTestHost.StartAsync();
        var snapshot = await IngestNoteAsync(host);
        var request = new CreateCitationRequest { SnapshotId = snapshot, Fragment = "271,484 people", Locator = new Locator { Section = "Lead" } };

        var first = await host.Citations.CreateCitationAsync(request);
        var second = await host.Citations.CreateCitationAsync(request);

        Assert.Equal(first.Citation.Id, second.Citation.Id);
        Assert.True(second.AlreadyExisted);
        Assert.Equal("Lead", second.Citation.Locator.Section);
    }

    [Fact]
    public async Task CreateCitation_BadInput_InvalidArgument()
    {
        await using var host = await TallyTestHost.StartAsync();
        var snapshot = await IngestNoteAsync(host);

        var empty = await Assert.ThrowsAsync<RpcException>(() => host.Citations.CreateCitationAsync(new CreateCitationRequest { SnapshotId = snapshot, Fragment = "  " }));
        var unknown = await Assert.ThrowsAsync<RpcException>(() => host.Citations.CreateCitationAsync(new CreateCitationRequest { SnapshotId = new string('f', 64), Fragment = "x" }));

        Assert.Equal(StatusCode.InvalidArgument, empty.StatusCode);
        Assert.Contains("fragment is empty", empty.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.InvalidArgument, unknown.StatusCode);
        Assert.Contains("Unknown snapshot", unknown.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FormatReferences_NumbersInOrderOfFirstUse_DeduplicatesAndLinksPassages()
    {
        await using var host = await TallyTestHost.StartAsync();
        var snapshot = await IngestNoteAsync(host);
        var x = (await host.Citations.CreateCitationAsync(new CreateCitationRequest { SnapshotId = snapshot, Fragment = "ICE removed 271,484 people" })).Citation.Id;
        var samePassage = (await host.Citations.CreateCitationAsync(new CreateCitationRequest
        {
            SnapshotId = snapshot, Fragment = "ICE removed 271,484 people", Locator = new Locator { Section = "Lead" },
        })).Citation.Id;
        var catalogCitations = host.Catalog.Figures.SelectMany(f => f.Citations).Where(c => c.Source == "ice-annual-report-fy2024-page")
            .Select(c => CitationIds.ForSourceFragment(c.Source, c.Fragment)).Distinct().Take(2).ToList();

        var response = await host.Citations.FormatReferencesAsync(new FormatReferencesRequest
        {
            CitationIds = { x, catalogCitations[0], x, samePassage, catalogCitations[1] },
            Format = ReferenceFormat.Text,
        });

        Assert.NotEqual(x, samePassage);
        Assert.Equal([x, catalogCitations[0], catalogCitations[1]], response.References.Select(r => r.CitationId));
        Assert.Equal([1, 2, 3], response.References.Select(r => r.Number));
        Assert.Equal([samePassage], response.References[0].MergedCitationIds);
        Assert.All(response.References, r => Assert.Contains("#:~:text=", r.Link, StringComparison.Ordinal));
        Assert.True(response.References[0].Verified);
        Assert.Equal("Colorlines", response.References[0].Publisher);
        Assert.Equal(SourceKind.OfficialReport, response.References[1].SourceKind);
        var lines = response.Rendered.Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("[1] Colorlines, Record Number of Deportations", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("[2] U.S. Immigration and Customs Enforcement (ICE), Year in Review", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("[3] ", lines[2], StringComparison.Ordinal);

        var markdown = await host.Citations.FormatReferencesAsync(new FormatReferencesRequest { CitationIds = { x } });
        Assert.StartsWith("1. Colorlines, [Record Number of Deportations", markdown.Rendered, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FormatReferences_UnknownId_NotFoundNamingIt()
    {
        await using var host = await TallyTestHost.StartAsync();
        var known = CitationIds.ForSourceFragment(host.Catalog.Figures[0].Citations[0].Source, host.Catalog.Figures[0].Citations[0].Fragment);

        var ex = await Assert.ThrowsAsync<RpcException>(() => host.Citations.FormatReferencesAsync(new FormatReferencesRequest { CitationIds = { known, "cit-nope" } }));

        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        Assert.Contains("cit-nope", ex.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(known, ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CatalogCitation_BeforeAnySnapshot_IsPendingAndVerifySaysWhatToIngest()
    {
        await using var host = await TallyTestHost.StartAsync();
        var c = host.Catalog.Figures.SelectMany(f => f.Citations).First(c => c.Source == Source);
        var id = CitationIds.ForSourceFragment(c.Source, c.Fragment);

        var pending = await host.Citations.GetCitationAsync(new GetCitationRequest { CitationId = id });
        var verify = await host.Citations.VerifyCitationAsync(new VerifyCitationRequest { CitationId = id });

        Assert.False(pending.Citation.Verified);
        Assert.Null(pending.Citation.Verification);
        Assert.Equal("", pending.Citation.SnapshotId);
        Assert.Equal(Source, pending.Source.Id);
        Assert.Contains("#:~:text=", pending.Citation.Link, StringComparison.Ordinal);
        Assert.Equal(Outcome.SnapshotMissing, verify.Citation.Verification.Outcome);
        Assert.Contains($"source_id '{Source}'", verify.Citation.Verification.Detail, StringComparison.Ordinal);
        Assert.False(verify.Changed);
    }

    [Fact]
    public async Task RedeliveredSourceIngested_ChangesNothingTwice()
    {
        await using var host = await TallyTestHost.StartAsync();
        var c = host.Catalog.Figures.SelectMany(f => f.Citations).First(c => c.Source == Source);
        var id = CitationIds.ForSourceFragment(c.Source, c.Fragment);
        var snapshot = await IngestNoteAsync(host); // a version of the source that does not hold the catalog's fragments
        var checkedOnce = await host.WaitForCitationAsync(id, x => x.SnapshotId == snapshot);
        Assert.Equal(Outcome.NotFound, checkedOnce.Verification.Outcome);

        var verifier = host.App.Services.GetRequiredService<CitationVerifier>();
        var again = await verifier.VerifyPendingAsync(Source, snapshot, CancellationToken.None);
        await host.IngestAsync(Encoding.UTF8.GetBytes(Text), "note.txt", Source); // same bytes: the event is published again
        await host.Events.WaitForAsync<SourceIngested>(e => e.SnapshotId == snapshot && !e.IsNewSnapshot);

        Assert.Empty(again);
        var checks = await host.App.Services.GetRequiredService<CitationStore>().ChecksAsync(id, CancellationToken.None);
        Assert.Single(checks, k => k.SnapshotId == snapshot);
        var after = await host.Citations.GetCitationAsync(new GetCitationRequest { CitationId = id });
        Assert.Equal(checkedOnce.Verification.CheckedAt, after.Citation.Verification.CheckedAt);
    }

    [Fact]
    public async Task GetCitation_UnknownId_NotFound()
    {
        await using var host = await TallyTestHost.StartAsync();

        var ex = await Assert.ThrowsAsync<RpcException>(() => host.Citations.GetCitationAsync(new GetCitationRequest { CitationId = "cit-0000" }));

        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        Assert.Contains("cit-0000", ex.Status.Detail, StringComparison.Ordinal);
    }
}
