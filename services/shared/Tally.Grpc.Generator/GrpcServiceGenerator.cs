using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Tally.Grpc.Generator;

/// <summary>
/// For each <c>service</c> in the .proto files passed as AdditionalFiles, emits what grpc_csharp_plugin emits
/// (for Tally.Grpc): a static partial class with ServiceName, Descriptor, Method fields, an abstract XBase,
/// BindService and an XClient. Messages themselves come from protoc (Grpc.Tools, GrpcServices="None").
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class GrpcServiceGenerator : IIncrementalGenerator
{
    private static readonly DiagnosticDescriptor UnresolvedType = new(
        "TGRPC001", "Unresolved message type",
        "Cannot resolve message type '{0}' used by rpc {1}.{2}: no message of that name is visible from package '{3}' in the .proto files passed as AdditionalFiles. Add the .proto that defines it to AdditionalFiles (google.protobuf.* well-known types need nothing).",
        "Tally.Grpc", DiagnosticSeverity.Error, isEnabledByDefault: true);

    private static readonly DiagnosticDescriptor ParseError = new(
        "TGRPC002", "Unreadable .proto file",
        "Cannot read services from {0}: {1}",
        "Tally.Grpc", DiagnosticSeverity.Error, isEnabledByDefault: true);

    private static readonly DiagnosticDescriptor DuplicateService = new(
        "TGRPC003", "Duplicate gRPC service",
        "gRPC service '{0}' is defined in more than one .proto file ({1})",
        "Tally.Grpc", DiagnosticSeverity.Error, isEnabledByDefault: true);

    private static readonly string[] WellKnownTypes =
    [
        "Any", "Api", "BoolValue", "BytesValue", "DoubleValue", "Duration", "Empty", "Enum", "EnumValue", "Field",
        "FieldMask", "FloatValue", "Int32Value", "Int64Value", "ListValue", "Method", "Mixin", "Option",
        "SourceContext", "StringValue", "Struct", "Timestamp", "Type", "UInt32Value", "UInt64Value", "Value",
    ];

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var protos = context.AdditionalTextsProvider
            .Where(static text => text.Path.EndsWith(".proto", System.StringComparison.OrdinalIgnoreCase))
            .Select(static (text, cancellationToken) => (text.Path, Text: text.GetText(cancellationToken)?.ToString() ?? ""))
            .Collect();
        context.RegisterSourceOutput(protos, static (output, files) => Generate(output, files));
    }

    private static void Generate(SourceProductionContext output, ImmutableArray<(string Path, string Text)> sources)
    {
        var files = sources.OrderBy(static f => f.Path, System.StringComparer.Ordinal)
            .Select(static f => ProtoParser.Parse(f.Path, f.Text)).ToList();
        var types = BuildTypeTable(files);
        var serviceFiles = new Dictionary<string, string>();

        foreach (var file in files)
        {
            output.CancellationToken.ThrowIfCancellationRequested();
            if (file.Error is { } error)
            {
                output.ReportDiagnostic(Diagnostic.Create(ParseError, Locate(file, error.Position), file.Path, error.Message));
                continue;
            }
            if (file.Services.Count == 0)
            {
                continue;
            }
            var services = new List<ResolvedService>();
            foreach (var service in file.Services)
            {
                var fullName = file.Package.Length == 0 ? service.Name : file.Package + "." + service.Name;
                if (serviceFiles.TryGetValue(fullName, out var otherPath))
                {
                    output.ReportDiagnostic(Diagnostic.Create(DuplicateService, Locate(file, service.Position), fullName, otherPath + ", " + file.Path));
                    continue;
                }
                serviceFiles[fullName] = file.Path;
                var methods = new List<ResolvedMethod>();
                foreach (var rpc in service.Methods)
                {
                    var input = Resolve(types, file, service, rpc, rpc.InputType, output);
                    var result = Resolve(types, file, service, rpc, rpc.OutputType, output);
                    if (input is not null && result is not null)
                    {
                        methods.Add(new ResolvedMethod(rpc, input, result));
                    }
                }
                if (methods.Count == service.Methods.Count)
                {
                    services.Add(new ResolvedService(service, fullName, methods));
                }
            }
            if (services.Count > 0)
            {
                var hint = (file.CSharpNamespace.Length > 0 ? file.CSharpNamespace + "." : "") + file.ReflectionClass + ".Grpc.g.cs";
                output.AddSource(hint, SourceText.From(ServiceEmitter.Emit(file, services), System.Text.Encoding.UTF8));
            }
        }
    }

    /// <summary>Proto full name → C# type, for every message in every file, plus the well-known types.</summary>
    private static Dictionary<string, string> BuildTypeTable(List<ProtoFile> files)
    {
        var table = new Dictionary<string, string>(System.StringComparer.Ordinal);
        foreach (var name in WellKnownTypes)
        {
            table["google.protobuf." + name] = "global::Google.Protobuf.WellKnownTypes." + name;
        }
        foreach (var file in files)
        {
            var ns = file.CSharpNamespace;
            foreach (var message in file.Messages)
            {
                var protoName = file.Package.Length == 0 ? message : file.Package + "." + message;
                var csharpName = message.Replace(".", ".Types.");
                table[protoName] = "global::" + (ns.Length == 0 ? csharpName : ns + "." + csharpName);
            }
        }
        return table;
    }

    /// <summary>Protobuf scoping: ".a.b.M" is absolute; "M" or "b.M" is looked up from the package outwards.</summary>
    private static string? Resolve(Dictionary<string, string> types, ProtoFile file, ProtoService service, ProtoRpc rpc, string name,
        SourceProductionContext output)
    {
        if (name.StartsWith(".", System.StringComparison.Ordinal))
        {
            if (types.TryGetValue(name.Substring(1), out var absolute))
            {
                return absolute;
            }
        }
        else
        {
            var scope = file.Package;
            while (true)
            {
                if (types.TryGetValue(scope.Length == 0 ? name : scope + "." + name, out var found))
                {
                    return found;
                }
                if (scope.Length == 0)
                {
                    break;
                }
                var dot = scope.LastIndexOf('.');
                scope = dot < 0 ? "" : scope.Substring(0, dot);
            }
        }
        output.ReportDiagnostic(Diagnostic.Create(UnresolvedType, Locate(file, rpc.Position), name, service.Name, rpc.Name, file.Package));
        return null;
    }

    private static Location Locate(ProtoFile file, ProtoPosition position) =>
        Location.Create(file.Path, new TextSpan(position.Offset, position.Length),
            new LinePositionSpan(new LinePosition(position.Line, position.Column), new LinePosition(position.Line, position.Column + position.Length)));
}

internal sealed class ResolvedService
{
    public ResolvedService(ProtoService proto, string fullName, List<ResolvedMethod> methods)
    {
        Proto = proto;
        FullName = fullName;
        Methods = methods;
    }

    public ProtoService Proto { get; }
    public string FullName { get; }
    public List<ResolvedMethod> Methods { get; }
}

internal sealed class ResolvedMethod
{
    public ResolvedMethod(ProtoRpc proto, string requestType, string responseType)
    {
        Proto = proto;
        RequestType = requestType;
        ResponseType = responseType;
    }

    public ProtoRpc Proto { get; }
    public string RequestType { get; }
    public string ResponseType { get; }
}
