using System.Globalization;
using System.Text.RegularExpressions;
using Google.Protobuf.Reflection;

namespace Tally.Contracts.Tests;

/// <summary>Package, namespace and naming conventions of the compiled contracts.</summary>
public sealed partial class ConventionTests
{
    public static TheoryData<string> TallyFiles() => new(ProtoFiles.All.Where(f => f.StartsWith("tally/", StringComparison.Ordinal)));

    [Theory]
    [MemberData(nameof(TallyFiles))]
    public void TallyProto_PackageAndNamespaceFollowItsPath(string file)
    {
        var text = ProtoFiles.Read(file);
        var area = file.Split('/')[1];
        var pascalArea = char.ToUpperInvariant(area[0]) + area[1..];

        Assert.Matches(@"^tally/[a-z]+/v\d+/[a-z_]+\.proto$", file);
        Assert.Contains("syntax = \"proto3\";", text, StringComparison.Ordinal);
        Assert.Contains($"package tally.{area}.v1;", text, StringComparison.Ordinal);
        Assert.Contains($"option csharp_namespace = \"Tally.{pascalArea}.V1\";", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ContractDescriptors_ListEveryCompiledProtoExactlyOnce()
    {
        var listed = ContractDescriptors.AllFiles.Select(f => f.Name).Order(StringComparer.Ordinal);

        Assert.Equal(ProtoFiles.All, listed);
    }

    [Fact]
    public void GeneratedTypes_LiveInTheDeclaredNamespaces()
    {
        var expected = new Dictionary<string, string>
        {
            ["tally.common.v1"] = "Tally.Common.V1",
            ["tally.definitions.v1"] = "Tally.Definitions.V1",
            ["tally.citations.v1"] = "Tally.Citations.V1",
            ["tally.ingestion.v1"] = "Tally.Ingestion.V1",
            ["tally.query.v1"] = "Tally.Query.V1",
            ["tally.access.v1"] = "Tally.Access.V1",
            ["grpc.health.v1"] = "Grpc.Health.V1",
            ["grpc.reflection.v1alpha"] = "Grpc.Reflection.V1Alpha",
            ["grpc.testing"] = "Grpc.Testing",
        };

        foreach (var file in ContractDescriptors.AllFiles)
        {
            Assert.True(expected.TryGetValue(file.Package, out var ns), $"{file.Name}: unexpected package {file.Package}");
            Assert.All(file.MessageTypes, m => Assert.Equal(ns, m.ClrType.Namespace));
            Assert.All(file.EnumTypes, e => Assert.Equal(ns, e.ClrType.Namespace));
        }
    }

    [Fact]
    public void TallyEnums_StartWithAnUnspecifiedZeroValue()
    {
        var enums = ContractDescriptors.TallyFiles
            .SelectMany(f => f.EnumTypes.Concat(f.MessageTypes.SelectMany(NestedEnums)));

        Assert.All(enums, e =>
        {
            var zero = e.Values.Single(v => v.Number == 0);
            Assert.True(zero.Name == UpperSnake(e.Name) + "_UNSPECIFIED",
                $"{e.FullName}: the zero value must be {UpperSnake(e.Name)}_UNSPECIFIED, not {zero.Name}");
        });
    }

    [Fact]
    public void TallyRpcs_TakeARequestNamedAfterTheMethod()
    {
        var methods = ContractDescriptors.TallyServices.SelectMany(s => s.Methods);

        Assert.All(methods, m => Assert.Equal(m.Name + "Request", m.InputType.Name));
    }

    [Fact]
    public void TallyServices_ExposeTheContractedMethods()
    {
        var actual = ContractDescriptors.TallyServices.ToDictionary(
            s => s.FullName,
            s => string.Join(",", s.Methods.Select(m => m.Name + Shape(m))));

        Assert.Equal(
            new Dictionary<string, string>
            {
                ["tally.ingestion.v1.IngestionService"] =
                    "IngestDocument,IngestDataset(bidi),GetSnapshot,ListSnapshots,ListFigures,ListDatasets,QueryDataset,ListQuarantine,ComputeMetric",
                ["tally.definitions.v1.MetricDefinitionService"] =
                    "GetMetric,ListMetrics,UpsertMetric,ResolveQuestion,ExplainDifference,ListRelations,GetGlossary",
                ["tally.citations.v1.CitationService"] =
                    "CreateCitation,VerifyCitation,GetCitation,FormatReferences,ListSources,GetSource,RegisterSource",
                ["tally.query.v1.QueryService"] =
                    "Ask,GetFigure,GetSeries,CheckClaim,RenderBrief,ExplainDifference",
                ["tally.access.v1.AccessService"] =
                    "CreateApiKey,RevokeApiKey,ListApiKeys,WhoAmI,ListAuditEntries,AuthenticateApiKey",
            },
            actual);
    }

    private static IEnumerable<EnumDescriptor> NestedEnums(MessageDescriptor message) =>
        message.EnumTypes.Concat(message.NestedTypes.SelectMany(NestedEnums));

    private static string Shape(MethodDescriptor m) => (m.IsClientStreaming, m.IsServerStreaming) switch
    {
        (true, true) => "(bidi)",
        (true, false) => "(client-stream)",
        (false, true) => "(server-stream)",
        _ => "",
    };

    private static string UpperSnake(string pascal) =>
        CamelBoundary().Replace(pascal, "$1_$2").ToUpper(CultureInfo.InvariantCulture);

    [GeneratedRegex("([a-z0-9])([A-Z])")]
    private static partial Regex CamelBoundary();
}
