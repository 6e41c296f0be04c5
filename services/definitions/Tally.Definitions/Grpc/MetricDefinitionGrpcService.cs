using System.Globalization;
using Microsoft.Extensions.Options;
using Tally.Contracts.Events;
using Tally.Definitions.Explanation;
using Tally.Definitions.Model;
using Tally.Definitions.Registry;
using Tally.Definitions.Resolution;
using Tally.Definitions.Storage;
using Tally.Definitions.V1;
using Tally.Grpc;
using Tally.Security;

namespace Tally.Definitions.Grpc;

/// <summary>The MetricDefinitionService over the registry's read model (reads) and store (writes).</summary>
public sealed partial class MetricDefinitionGrpcService(
    DefinitionRegistry registry,
    IOptions<DefinitionsOptions> options,
    TimeProvider clock) : MetricDefinitionService.MetricDefinitionServiceBase
{
    private const int DefaultPageSize = 100;
    private const int MaxPageSize = 1000;
    private const int MaxCandidates = 50;

    public override async Task<GetMetricResponse> GetMetric(GetMetricRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var snapshot = registry.Current;
        var metric = await Resolve(snapshot, "metric_id", request.MetricId, "version", request.Version, context.CancellationToken);
        return new GetMetricResponse { Metric = metric, CatalogVersion = snapshot.CatalogVersion };
    }

    public override Task<ListMetricsResponse> ListMetrics(ListMetricsRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var snapshot = registry.Current;
        var pageSize = PageSize(request.PageSize);
        if (!Enum.IsDefined(request.StatisticType) || !Enum.IsDefined(request.ValueSourceKind))
        {
            throw Errors.InvalidArgument("statistic_type and value_source_kind must be known values (or unspecified for all).");
        }

        var after = PageToken.Decode('m', request.PageToken);
        var text = request.Text.Trim();
        var matching = snapshot.Metrics.Where(m =>
                (request.Agency.Length == 0 || string.Equals(m.Scope?.Agency, request.Agency.Trim(), StringComparison.OrdinalIgnoreCase)) &&
                (request.StatisticType == StatisticType.Unspecified || m.StatisticType == request.StatisticType) &&
                (request.ValueSourceKind == ValueSourceKind.Unspecified || Kind(m) == request.ValueSourceKind) &&
                (text.Length == 0 || m.Id.Contains(text, StringComparison.OrdinalIgnoreCase) || m.Name.Contains(text, StringComparison.OrdinalIgnoreCase) ||
                 m.Aliases.Any(a => a.Contains(text, StringComparison.OrdinalIgnoreCase))))
            .ToList();
        var page = matching.Where(m => after is null || string.CompareOrdinal(m.Id, after) > 0).Take(pageSize + 1).ToList();
        var response = new ListMetricsResponse { TotalSize = matching.Count, CatalogVersion = snapshot.CatalogVersion };
        response.Metrics.AddRange(page.Take(pageSize));
        if (page.Count > pageSize)
        {
            response.NextPageToken = PageToken.Encode('m', page[pageSize - 1].Id);
        }

        return Task.FromResult(response);
    }

    public override async Task<UpsertMetricResponse> UpsertMetric(UpsertMetricRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        if (request.ExpectedVersion < 0)
        {
            throw Errors.InvalidArgument($"expected_version is {request.ExpectedVersion}; send 0 to create a metric or the version you read to update one.");
        }

        var snapshot = registry.Current;
        var errors = DefinitionValidator.Validate(request.Metric, snapshot.Find);
        if (errors.Count > 0)
        {
            throw Errors.InvalidArgument($"The definition is invalid ({errors.Count} problem{(errors.Count == 1 ? "" : "s")}): {string.Join("; ", errors)}");
        }

        var metric = request.Metric;
        var existing = snapshot.Find(metric.Id);
        var expected = request.ExpectedVersion;
        if (existing is not null && expected == 0)
        {
            throw AlreadyExists(metric.Id, existing.Version);
        }

        if (existing is null && expected > 0)
        {
            throw new RpcException(new Status(StatusCode.NotFound,
                $"Metric '{metric.Id}' does not exist, so there is no version {expected} to update; send expected_version 0 to create it. " +
                $"Nearest ids: {string.Join(", ", NearestIds.Find(metric.Id, snapshot.Ids))}."));
        }

        if (existing is not null && existing.Version != expected)
        {
            throw Conflict(metric.Id, expected, existing.Version);
        }

        if (existing is not null && snapshot.Stored[metric.Id].ContentHash == DefinitionHash.Compute(metric))
        {
            return new UpsertMetricResponse { Metric = existing, PreviousVersion = existing.Version, Changed = false, CatalogVersion = snapshot.CatalogVersion };
        }

        // Who changed it is who called, as authenticated. Only an anonymous (loopback, development) caller's typed
        // changed_by is taken as the name; otherwise a differing changed_by is kept in the note. The audit trail keeps
        // the authenticated subject either way.
        var caller = context.GetCaller() ?? CallerIdentity.System("definitions");
        var claimed = request.ChangedBy.Trim();
        var note = request.ChangeNote;
        string changedBy;
        if (caller.Method == "anonymous-loopback")
        {
            changedBy = claimed.Length > 0 ? claimed : caller.Name;
        }
        else
        {
            changedBy = caller.Name;
            if (claimed.Length > 0 && !string.Equals(claimed, changedBy, StringComparison.Ordinal))
            {
                note = note.Length > 0 ? $"{note} (for {claimed})" : $"for {claimed}";
            }
        }

        StoredMetric stored;
        int catalogVersion;
        try
        {
            // The version and its MetricDefinitionChanged are committed together (the service's outbox); the relay publishes it.
            (stored, catalogVersion) = await registry.Store.AppendVersionAsync(metric, VersionOrigin.Api, changedBy, note, expected,
                (version, catalog) => new MetricDefinitionChanged
                {
                    EventId = Guid.NewGuid(),
                    OccurredAt = clock.GetUtcNow(),
                    MetricId = metric.Id,
                    Version = version.Definition.Version,
                    PreviousVersion = expected,
                    CatalogVersion = catalog,
                    ChangedBy = changedBy,
                    ActorSubject = caller.Subject,
                    ChangeNote = note,
                }, context.CancellationToken);
        }
        catch (VersionConflictException conflict)
        {
            throw conflict.Expected == 0 ? AlreadyExists(metric.Id, conflict.Actual) : Conflict(metric.Id, expected, conflict.Actual);
        }

        await registry.ReloadAsync(force: true, CancellationToken.None);
        return new UpsertMetricResponse { Metric = stored.Definition, PreviousVersion = expected, Changed = true, CatalogVersion = catalogVersion };
    }

    public override Task<ResolveQuestionResponse> ResolveQuestion(ResolveQuestionRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var limit = options.Value.MaxQuestionLength;
        if (string.IsNullOrWhiteSpace(request.Question))
        {
            throw Errors.InvalidArgument("question is empty; ask in plain English, such as \"How many people did ICE remove in fiscal year 2024?\".");
        }

        if (request.Question.Length > limit)
        {
            throw Errors.InvalidArgument(string.Create(CultureInfo.InvariantCulture,
                $"question is {request.Question.Length:N0} characters; the limit is {limit:N0} ({DefinitionsOptions.Section}:MaxQuestionLength). Send the question itself, not the article around it."));
        }

        if (request.MaxCandidates < 0)
        {
            throw Errors.InvalidArgument($"max_candidates is {request.MaxCandidates}; send 0 for the default ({options.Value.DefaultCandidates}) or up to {MaxCandidates}.");
        }

        var snapshot = registry.Current;
        var count = request.MaxCandidates == 0 ? options.Value.DefaultCandidates : Math.Min(request.MaxCandidates, MaxCandidates);
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var (parsed, candidates) = QuestionResolver.Resolve(snapshot.Resolver, request.Question, count, today);
        var response = new ResolveQuestionResponse { Parsed = parsed, CatalogVersion = snapshot.CatalogVersion };
        response.Candidates.AddRange(candidates);
        return Task.FromResult(response);
    }

    public override async Task<ExplainDifferenceResponse> ExplainDifference(ExplainDifferenceRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var snapshot = registry.Current;
        var a = await Resolve(snapshot, "a_metric_id", request.AMetricId, "a_version", request.AVersion, context.CancellationToken);
        var b = await Resolve(snapshot, "b_metric_id", request.BMetricId, "b_version", request.BVersion, context.CancellationToken);
        var differences = DifferenceExplainer.Compare(a, b);
        var relations = snapshot.RelationsBetween(a.Id, b.Id);
        var interchangeable = DifferenceExplainer.Interchangeable(differences, relations);
        var response = new ExplainDifferenceResponse
        {
            A = a,
            B = b,
            Interchangeable = interchangeable,
            Summary = DifferenceExplainer.Summary(a, b, differences, relations, interchangeable),
            CatalogVersion = snapshot.CatalogVersion,
        };
        response.Differences.AddRange(differences);
        response.Relations.AddRange(relations);
        response.Caveats.AddRange(DifferenceExplainer.Caveats(b, differences, relations));
        return response;
    }

    public override Task<ListRelationsResponse> ListRelations(ListRelationsRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var snapshot = registry.Current;
        var pageSize = PageSize(request.PageSize);
        if (!Enum.IsDefined(request.Type))
        {
            throw Errors.InvalidArgument($"type {(int)request.Type} is not a known relation type; send unspecified for all.");
        }

        IEnumerable<Relation> relations = snapshot.Relations;
        if (request.MetricId.Length > 0)
        {
            if (snapshot.Find(request.MetricId) is null)
            {
                throw Errors.UnknownMetric("metric_id", request.MetricId, snapshot);
            }

            relations = snapshot.RelationsByMetric.GetValueOrDefault(request.MetricId) is { } touching
                ? snapshot.Relations.Where(touching.Contains)
                : [];
        }

        if (request.Type != RelationType.Unspecified)
        {
            relations = relations.Where(r => r.Type == request.Type);
        }

        var all = relations.ToList();
        var offset = PageToken.Decode('r', request.PageToken) is { } position && int.TryParse(position, CultureInfo.InvariantCulture, out var o) && o >= 0
            ? o
            : request.PageToken.Length == 0 ? 0 : throw Errors.InvalidArgument("page_token is not a token this list returned.");
        var response = new ListRelationsResponse { CatalogVersion = snapshot.CatalogVersion };
        response.Relations.AddRange(all.Skip(offset).Take(pageSize));
        if (offset + pageSize < all.Count)
        {
            response.NextPageToken = PageToken.Encode('r', (offset + pageSize).ToString(CultureInfo.InvariantCulture));
        }

        return Task.FromResult(response);
    }

    public override Task<GetGlossaryResponse> GetGlossary(GetGlossaryRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Enum.IsDefined(request.Kind))
        {
            throw Errors.InvalidArgument($"kind {(int)request.Kind} is not a known glossary kind; send unspecified for all.");
        }

        var snapshot = registry.Current;
        var response = new GetGlossaryResponse { CatalogVersion = snapshot.CatalogVersion };
        response.Entries.AddRange(snapshot.Glossary.Where(e =>
            e.Term.StartsWith(request.TermPrefix.Trim(), StringComparison.OrdinalIgnoreCase) &&
            (request.Kind == GlossaryEntry.Types.Kind.Unspecified || e.Kind == request.Kind)));
        return Task.FromResult(response);
    }

    private async Task<MetricDefinition> Resolve(RegistrySnapshot snapshot, string idField, string id, string versionField, int version, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            throw Errors.InvalidArgument($"{idField} is required, such as \"ice-removals\"; ListMetrics lists every id.");
        }

        if (version < 0)
        {
            throw Errors.InvalidArgument($"{versionField} is {version}; send 0 for the current version or a version number from 1.");
        }

        var current = snapshot.Find(id) ?? throw Errors.UnknownMetric(idField, id, snapshot);
        if (version == 0 || version == current.Version)
        {
            return current;
        }

        var stored = await registry.Store.GetVersionAsync(id, version, cancellationToken);
        return stored?.Definition ?? throw Errors.UnknownVersion(id, version, await registry.Store.VersionNumbersAsync(id, cancellationToken));
    }

    private static int PageSize(int requested) => requested switch
    {
        < 0 => throw Errors.InvalidArgument($"page_size is {requested}; send 0 for the default ({DefaultPageSize}) or up to {MaxPageSize}."),
        0 => DefaultPageSize,
        _ => Math.Min(requested, MaxPageSize),
    };

    private static ValueSourceKind Kind(MetricDefinition m) => m.ValueSourceCase switch
    {
        MetricDefinition.ValueSourceOneofCase.Published => ValueSourceKind.Published,
        MetricDefinition.ValueSourceOneofCase.Computed => ValueSourceKind.Computed,
        MetricDefinition.ValueSourceOneofCase.Derived => ValueSourceKind.Derived,
        MetricDefinition.ValueSourceOneofCase.Gap => ValueSourceKind.Gap,
        _ => ValueSourceKind.Unspecified,
    };

    private static RpcException AlreadyExists(string id, int version) => new(new Status(StatusCode.AlreadyExists,
        $"Metric '{id}' already exists (version {version}). To change it, send expected_version {version}; to add a new metric, choose another id."));

    private static RpcException Conflict(string id, int expected, int actual) => new(new Status(StatusCode.Aborted,
        $"Metric '{id}' is at version {actual}, but this change was based on version {expected} (expected_version). " +
        $"Read the current version with GetMetric, re-apply the change and send expected_version {actual}."));
}
