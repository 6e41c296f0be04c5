using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Tally.Grpc.Generator;

namespace Tally.Grpc.Tests.Unit;

/// <summary>Runs the generator in memory on small protos.</summary>
public sealed class GeneratorTests
{
    private const string Messages = """
        syntax = "proto3";
        package my_pkg.v1beta;
        message Ask { string q = 1; message Nested { int32 n = 1; } }
        message Answer { string a = 1; }
        """;

    [Fact]
    public void DefaultNamespaceAndReflectionClass_FollowProtocNaming()
    {
        var (generated, diagnostics) = Run(("protos/foo_bar-baz.proto", Messages + """

            service Oracle { rpc Tell (Ask) returns (Answer); }
            """));

        Assert.Empty(diagnostics);
        Assert.Contains("namespace MyPkg.V1Beta", generated, StringComparison.Ordinal);
        Assert.Contains("public const string ServiceName = \"my_pkg.v1beta.Oracle\";", generated, StringComparison.Ordinal);
        Assert.Contains("global::MyPkg.V1Beta.FooBarBazReflection.Descriptor.Services[0]", generated, StringComparison.Ordinal);
        Assert.Contains("Task<global::MyPkg.V1Beta.Answer> TellAsync(global::MyPkg.V1Beta.Ask request, global::Tally.Grpc.CallOptions options)", generated, StringComparison.Ordinal);
    }

    [Fact]
    public void TypeReferences_RelativeAbsoluteNestedAndAcrossFiles_Resolve()
    {
        var (generated, diagnostics) = Run(
            ("a.proto", Messages),
            ("b.proto", """
                syntax = "proto3";
                package other;
                option csharp_namespace = "Custom.Space";
                import "a.proto";
                // rpc Commented (Missing) returns (Missing);
                /* service Hidden { rpc X (Missing) returns (Missing); } */
                service Second {
                  rpc One (.my_pkg.v1beta.Ask) returns (my_pkg.v1beta.Ask.Nested);
                  rpc Two (stream google.protobuf.Timestamp) returns (stream my_pkg.v1beta.Answer) { option deprecated = true; };
                  option (some.ext) = { a: "}" };
                }
                """));

        Assert.Empty(diagnostics);
        Assert.Contains("namespace Custom.Space", generated, StringComparison.Ordinal);
        Assert.Contains("Method<global::MyPkg.V1Beta.Ask, global::MyPkg.V1Beta.Ask.Types.Nested> __Method_One", generated, StringComparison.Ordinal);
        Assert.Contains("AsyncDuplexStreamingCall<global::Google.Protobuf.WellKnownTypes.Timestamp, global::MyPkg.V1Beta.Answer> Two(", generated, StringComparison.Ordinal);
        Assert.Contains("global::Custom.Space.BReflection.Descriptor.Services[0]", generated, StringComparison.Ordinal);
        Assert.DoesNotContain("Hidden", generated, StringComparison.Ordinal);
    }

    [Fact]
    public void UnresolvedMessageType_ReportsErrorNamingTypeAndRpc()
    {
        var (_, diagnostics) = Run(("svc.proto", """
            syntax = "proto3";
            package p;
            service S { rpc Go (Nowhere) returns (Nowhere); }
            """));

        var error = Assert.Single(diagnostics.Where(d => d.Id == "TGRPC001").Take(1));
        Assert.Equal(DiagnosticSeverity.Error, error.Severity);
        Assert.Contains("Cannot resolve message type 'Nowhere' used by rpc S.Go", error.GetMessage(), StringComparison.Ordinal);
        Assert.Equal("svc.proto", error.Location.GetLineSpan().Path);
        Assert.Equal(2, error.Location.GetLineSpan().StartLinePosition.Line);
    }

    [Fact]
    public void UnreadableProto_ReportsError()
    {
        var (_, diagnostics) = Run(("broken.proto", "syntax = \"proto3\";\nservice S { rpc Go (A returns (B); }"));

        var error = Assert.Single(diagnostics);
        Assert.Equal("TGRPC002", error.Id);
        Assert.Contains("expected ')' but found 'returns'", error.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void GeneratedCode_Compiles_AndAMissingOverrideFailsTheBuild()
    {
        var proto = ("ping.proto", """
            syntax = "proto3";
            package t;
            import "google/protobuf/empty.proto";
            service Pinger {
              rpc Ping (google.protobuf.Empty) returns (google.protobuf.Empty);
              rpc Watch (google.protobuf.Empty) returns (stream google.protobuf.Empty);
            }
            """);
        const string reflection = "namespace T { public static class PingReflection { public static Google.Protobuf.Reflection.FileDescriptor Descriptor => null!; } }";
        const string complete = """
            namespace T;
            public sealed class Impl : Pinger.PingerBase
            {
                public override System.Threading.Tasks.Task<Google.Protobuf.WellKnownTypes.Empty> Ping(Google.Protobuf.WellKnownTypes.Empty request, Tally.Grpc.ServerCallContext context) => null!;
                public override System.Threading.Tasks.Task Watch(Google.Protobuf.WellKnownTypes.Empty request, Tally.Grpc.IServerStreamWriter<Google.Protobuf.WellKnownTypes.Empty> responseStream, Tally.Grpc.ServerCallContext context) => null!;
            }
            """;
        var incomplete = complete[..complete.IndexOf("    public override System.Threading.Tasks.Task Watch", StringComparison.Ordinal)] + "}";

        var ok = Compile([reflection, complete], proto);
        var missing = Compile([reflection, incomplete], proto);

        Assert.Empty(ok);
        Assert.Contains(missing, d => d.Id == "CS0534" && d.GetMessage().Contains("Watch", StringComparison.Ordinal));
    }

    private static (string Generated, ImmutableArray<Diagnostic> Diagnostics) Run(params (string Path, string Text)[] protos)
    {
        var driver = Drive(CSharpCompilation.Create("t"), protos, out var output, out var diagnostics);
        _ = driver;
        var generated = string.Concat(output.SyntaxTrees.Select(t => t.ToString()));
        return (generated, diagnostics);
    }

    private static IEnumerable<Diagnostic> Compile(string[] sources, (string Path, string Text) proto)
    {
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Concat([typeof(Method<,>).Assembly.Location, typeof(Google.Protobuf.IMessage).Assembly.Location])
            .Distinct()
            .Select(path => MetadataReference.CreateFromFile(path));
        var compilation = CSharpCompilation.Create("t", sources.Select(s => CSharpSyntaxTree.ParseText(s)), references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        Drive(compilation, [proto], out var output, out var generatorDiagnostics);
        Assert.Empty(generatorDiagnostics);
        return output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error);
    }

    private static GeneratorDriver Drive(CSharpCompilation compilation, (string Path, string Text)[] protos,
        out Compilation output, out ImmutableArray<Diagnostic> diagnostics)
    {
        GeneratorDriver driver = CSharpGeneratorDriver.Create([new GrpcServiceGenerator().AsSourceGenerator()],
            protos.Select(p => (AdditionalText)new InMemoryText(p.Path, p.Text)));
        return driver.RunGeneratorsAndUpdateCompilation(compilation, out output, out diagnostics);
    }

    private sealed class InMemoryText(string path, string text) : AdditionalText
    {
        public override string Path => path;
        public override SourceText GetText(CancellationToken cancellationToken = default) => SourceText.From(text);
    }
}
