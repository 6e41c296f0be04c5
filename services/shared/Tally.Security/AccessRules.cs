using System.Collections.Frozen;
using Tally.Access.V1;

namespace Tally.Security;

/// <summary>What a method demands of its caller.</summary>
public enum AccessRule
{
    /// <summary>No credential needed: health probes and reflection.</summary>
    Open,

    /// <summary>Any authenticated caller: ask, get, list.</summary>
    Reader,

    /// <summary>Editor, admin or another Tally service: changes to definitions, sources, datasets, citations.</summary>
    Editor,

    /// <summary>Admin only: keys.</summary>
    Admin,

    /// <summary>Another Tally service only (the service token).</summary>
    Service,
}

/// <summary>
/// The authorization table: every RPC of every Tally service, and what it demands. A method that is not listed is
/// refused (PERMISSION_DENIED, and a test that walks every mapped method fails), so a new RPC cannot ship open by
/// accident. docs/security.md prints the same table.
/// </summary>
public static class AuthorizationTable
{
    private const string Query = "/tally.query.v1.QueryService/";
    private const string Definitions = "/tally.definitions.v1.MetricDefinitionService/";
    private const string Citations = "/tally.citations.v1.CitationService/";
    private const string Ingestion = "/tally.ingestion.v1.IngestionService/";
    private const string Access = "/tally.access.v1.AccessService/";

    /// <summary>Full method name ("/package.Service/Method") → rule.</summary>
    public static FrozenDictionary<string, AccessRule> Rules { get; } = new Dictionary<string, AccessRule>(StringComparer.Ordinal)
    {
        // Standard services: probes and tools must reach them without a credential (reflection can be switched off).
        ["/grpc.health.v1.Health/Check"] = AccessRule.Open,
        ["/grpc.health.v1.Health/Watch"] = AccessRule.Open,
        ["/grpc.health.v1.Health/List"] = AccessRule.Open,
        ["/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"] = AccessRule.Open,
        ["/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"] = AccessRule.Open,

        [Query + "Ask"] = AccessRule.Reader,
        [Query + "GetFigure"] = AccessRule.Reader,
        [Query + "GetSeries"] = AccessRule.Reader,
        [Query + "CheckClaim"] = AccessRule.Reader,
        [Query + "RenderBrief"] = AccessRule.Reader,
        [Query + "ExplainDifference"] = AccessRule.Reader,

        [Definitions + "GetMetric"] = AccessRule.Reader,
        [Definitions + "ListMetrics"] = AccessRule.Reader,
        [Definitions + "UpsertMetric"] = AccessRule.Editor,
        [Definitions + "ResolveQuestion"] = AccessRule.Reader,
        [Definitions + "ExplainDifference"] = AccessRule.Reader,
        [Definitions + "ListRelations"] = AccessRule.Reader,
        [Definitions + "GetGlossary"] = AccessRule.Reader,

        [Citations + "CreateCitation"] = AccessRule.Editor,
        [Citations + "VerifyCitation"] = AccessRule.Editor,
        [Citations + "GetCitation"] = AccessRule.Reader,
        [Citations + "FormatReferences"] = AccessRule.Reader,
        [Citations + "ListSources"] = AccessRule.Reader,
        [Citations + "GetSource"] = AccessRule.Reader,
        [Citations + "RegisterSource"] = AccessRule.Editor,

        [Ingestion + "IngestDocument"] = AccessRule.Editor,
        [Ingestion + "IngestDataset"] = AccessRule.Editor,
        [Ingestion + "GetSnapshot"] = AccessRule.Reader,
        [Ingestion + "ListSnapshots"] = AccessRule.Reader,
        [Ingestion + "ListFigures"] = AccessRule.Reader,
        [Ingestion + "ListDatasets"] = AccessRule.Reader,
        [Ingestion + "QueryDataset"] = AccessRule.Reader,
        [Ingestion + "ListQuarantine"] = AccessRule.Reader,
        // Computing a metric from loaded data is a read; query calls it while answering a reader's question.
        [Ingestion + "ComputeMetric"] = AccessRule.Reader,

        [Access + "CreateApiKey"] = AccessRule.Admin,
        [Access + "RevokeApiKey"] = AccessRule.Admin,
        [Access + "ListApiKeys"] = AccessRule.Admin,
        [Access + "WhoAmI"] = AccessRule.Reader,
        // The trail is the desk's own record: anyone who may read answers may see who changed what behind them.
        [Access + "ListAuditEntries"] = AccessRule.Reader,
        [Access + "AuthenticateApiKey"] = AccessRule.Service,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>What the one-time bootstrap token may call: create the first admin key, and see who it is.</summary>
    public static FrozenSet<string> BootstrapMethods { get; } = new[] { Access + "CreateApiKey", Access + "WhoAmI" }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>The rule for <paramref name="method"/>, or null when the table has no entry.</summary>
    public static AccessRule? RuleFor(string method) => Rules.TryGetValue(method, out var rule) ? rule : null;

    /// <summary>Whether <paramref name="role"/> satisfies <paramref name="rule"/>.</summary>
    public static bool Allows(AccessRule rule, Role role) => rule switch
    {
        AccessRule.Open => true,
        AccessRule.Reader => role is Role.Reader or Role.Editor or Role.Admin or Role.Service,
        AccessRule.Editor => role is Role.Editor or Role.Admin or Role.Service,
        AccessRule.Admin => role is Role.Admin,
        AccessRule.Service => role is Role.Service,
        _ => false,
    };

    /// <summary>The least role a person needs for <paramref name="rule"/>, in words.</summary>
    public static string Describe(AccessRule rule) => rule switch
    {
        AccessRule.Open => "no credential",
        AccessRule.Reader => "the reader role",
        AccessRule.Editor => "the editor role",
        AccessRule.Admin => "the admin role",
        AccessRule.Service => "Tally's service token",
        _ => rule.ToString(),
    };
}

/// <summary>
/// Rules for services that are not Tally's own (a test service, a host's extra tool), added by the host in code:
/// <c>services.Configure&lt;AdditionalAccessRules&gt;(o =&gt; o.Rules["/grpc.testing.TestService/"] = AccessRule.Reader)</c>.
/// A key ending in '/' covers every method of that service. Tally's own methods always follow <see cref="AuthorizationTable"/>.
/// </summary>
public sealed class AdditionalAccessRules
{
    public IDictionary<string, AccessRule> Rules { get; } = new Dictionary<string, AccessRule>(StringComparer.Ordinal);

    public AccessRule? RuleFor(string method)
    {
        if (AuthorizationTable.RuleFor(method) is { } rule) return rule;
        if (Rules.TryGetValue(method, out var exact)) return exact;
        var slash = method.LastIndexOf('/');
        return slash > 0 && Rules.TryGetValue(method[..(slash + 1)], out var service) ? service : null;
    }
}

/// <summary>Role names as people type them ("reader", "editor", "admin").</summary>
public static class RoleNames
{
    public static string Of(Role role) => role switch
    {
        Role.Reader => "reader",
        Role.Editor => "editor",
        Role.Admin => "admin",
        Role.Service => "service",
        _ => "none",
    };

    /// <summary>Parses "reader", "editor" or "admin" (any case, optional "role_" prefix); null otherwise.</summary>
    public static Role? Parse(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "reader" or "role_reader" => Role.Reader,
        "editor" or "role_editor" => Role.Editor,
        "admin" or "role_admin" => Role.Admin,
        _ => null,
    };
}
