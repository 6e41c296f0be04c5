using Google.Protobuf.Reflection;

namespace Tally.Contracts;

/// <summary>
/// Every proto file compiled into this assembly, for server reflection, health registration and tests.
/// Imports (such as google/protobuf/timestamp.proto) are reachable through <see cref="FileDescriptor.Dependencies"/>.
/// </summary>
public static class ContractDescriptors
{
    /// <summary>Tally's own files (packages tally.*.v1).</summary>
    public static IReadOnlyList<FileDescriptor> TallyFiles { get; } =
    [
        Tally.Common.V1.CommonReflection.Descriptor,
        Tally.Common.V1.ProvenanceReflection.Descriptor,
        Tally.Common.V1.FigureReflection.Descriptor,
        Tally.Definitions.V1.DefinitionsReflection.Descriptor,
        Tally.Citations.V1.CitationsReflection.Descriptor,
        Tally.Ingestion.V1.IngestionReflection.Descriptor,
        Tally.Query.V1.QueryReflection.Descriptor,
        Tally.Access.V1.AccessReflection.Descriptor,
    ];

    /// <summary>Our copies of the standard gRPC files: health, reflection and the interop test service.</summary>
    public static IReadOnlyList<FileDescriptor> StandardFiles { get; } =
    [
        global::Grpc.Health.V1.HealthReflection.Descriptor,
        global::Grpc.Reflection.V1Alpha.ReflectionReflection.Descriptor,
        global::Grpc.Testing.EmptyReflection.Descriptor,
        global::Grpc.Testing.MessagesReflection.Descriptor,
        global::Grpc.Testing.TestReflection.Descriptor,
    ];

    /// <summary>All compiled files: <see cref="TallyFiles"/> then <see cref="StandardFiles"/>.</summary>
    public static IReadOnlyList<FileDescriptor> AllFiles { get; } = [.. TallyFiles, .. StandardFiles];

    /// <summary>The Tally services, in the order ingestion, definitions, citations, query, access (hosted by definitions).</summary>
    public static IReadOnlyList<ServiceDescriptor> TallyServices { get; } =
    [
        Tally.Ingestion.V1.IngestionReflection.Descriptor.FindTypeByName<ServiceDescriptor>("IngestionService"),
        Tally.Definitions.V1.DefinitionsReflection.Descriptor.FindTypeByName<ServiceDescriptor>("MetricDefinitionService"),
        Tally.Citations.V1.CitationsReflection.Descriptor.FindTypeByName<ServiceDescriptor>("CitationService"),
        Tally.Query.V1.QueryReflection.Descriptor.FindTypeByName<ServiceDescriptor>("QueryService"),
        Tally.Access.V1.AccessReflection.Descriptor.FindTypeByName<ServiceDescriptor>("AccessService"),
    ];

    /// <summary>Finds a service in any compiled file by full name (e.g. "grpc.health.v1.Health"); null when unknown.</summary>
    public static ServiceDescriptor? FindService(string fullName) =>
        AllFiles.SelectMany(f => f.Services).FirstOrDefault(s => s.FullName == fullName);
}
