using Tally.Hosting;
using Tally.Citations.References;
using Tally.Citations.Sources;
using Tally.Citations.Storage;
using Tally.Citations.V1;
using Tally.Citations.Checking;
using Tally.Common.V1;
using Tally.Grpc;

namespace Tally.Citations;

/// <summary>tally.citations.v1.CitationService.</summary>
internal sealed class CitationGrpcService(
    CitationVerifier verifier, SourceRegistry registry, SourceStore sources, OriginalSources originals)
    : CitationService.CitationServiceBase
{
    public const int MaxReferences = 1000;

    public override async Task<CreateCitationResponse> CreateCitation(CreateCitationRequest request, ServerCallContext context)
    {
        // A new citation's CitationVerified is committed with it (the service's outbox publishes it).
        var (row, existed, _) = await verifier.CreateAsync(request, context.CancellationToken);
        return new CreateCitationResponse { Citation = row.ToProto(), AlreadyExisted = existed };
    }

    public override async Task<VerifyCitationResponse> VerifyCitation(VerifyCitationRequest request, ServerCallContext context)
    {
        var (row, changed, _) = await verifier.VerifyAsync(request.CitationId, context.CancellationToken);
        return new VerifyCitationResponse { Citation = row.ToProto(), Changed = changed };
    }

    public override async Task<GetCitationResponse> GetCitation(GetCitationRequest request, ServerCallContext context)
    {
        var row = await verifier.FindOrThrowAsync(request.CitationId, context.CancellationToken);
        var source = await sources.FindAsync(row.SourceId, context.CancellationToken) ?? new Source { Id = row.SourceId };
        return new GetCitationResponse { Citation = row.ToProto(), Source = source };
    }

    public override async Task<FormatReferencesResponse> FormatReferences(FormatReferencesRequest request, ServerCallContext context)
    {
        if (request.CitationIds.Count > MaxReferences)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument,
                $"{request.CitationIds.Count} citation ids given; the limit is {MaxReferences} per call."));
        }

        var ct = context.CancellationToken;
        var inputs = new List<ReferenceInput>(request.CitationIds.Count);
        var unknown = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var raw in request.CitationIds)
        {
            var id = raw.Trim();
            if (!seen.Add(id))
            {
                continue;
            }

            CitationRow row;
            try
            {
                row = await verifier.FindOrThrowAsync(id, ct);
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.NotFound or StatusCode.InvalidArgument)
            {
                unknown.Add(id.Length == 0 ? "(empty)" : id);
                continue;
            }

            var source = await sources.FindAsync(row.SourceId, ct) ?? new Source { Id = row.SourceId, Title = row.SourceId };
            var original = originals.For(row.Id) is { } originalId
                ? await sources.FindAsync(originalId, ct) ?? new Source { Id = originalId, Title = originalId }
                : null;
            inputs.Add(new ReferenceInput(row.ToProto(), source, row.Accessed, original));
        }

        if (unknown.Count > 0)
        {
            throw new RpcException(new Status(StatusCode.NotFound,
                $"Unknown citation ids: {string.Join(", ", unknown)}. Nothing was numbered; pass ids from figures (ListFigures) or CreateCitation."));
        }

        return ReferenceFormatter.Format(inputs, request.Format);
    }

    public override async Task<ListSourcesResponse> ListSources(ListSourcesRequest request, ServerCallContext context)
    {
        var size = PageTokens.Size(request.PageSize);
        var offset = PageTokens.Offset(request.PageToken);
        var page = await sources.ListAsync(request.Kind, request.Publisher.Trim(), offset, size + 1, context.CancellationToken);
        var response = new ListSourcesResponse();
        response.Sources.AddRange(page.Take(size));
        response.NextPageToken = PageTokens.Next(offset, response.Sources.Count, page.Count > size);
        return response;
    }

    public override async Task<GetSourceResponse> GetSource(GetSourceRequest request, ServerCallContext context) =>
        new() { Source = await registry.GetAsync(request.SourceId, context.CancellationToken) };

    public override async Task<RegisterSourceResponse> RegisterSource(RegisterSourceRequest request, ServerCallContext context)
    {
        var (source, existed) = await registry.RegisterAsync(request.Source, context.CancellationToken);
        return new RegisterSourceResponse { Source = source, AlreadyExisted = existed };
    }
}
