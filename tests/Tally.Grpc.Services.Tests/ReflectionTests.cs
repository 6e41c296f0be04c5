using Google.Protobuf;
using Google.Protobuf.Reflection;
using global::Grpc.Reflection.V1Alpha;
using ReflectionClient = global::Grpc.Reflection.V1Alpha.ServerReflection.ServerReflectionClient;

namespace Tally.Grpc.Services.Tests;

public sealed class ReflectionTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task ListServices_ReturnsEveryMappedService()
    {
        await using var host = await TestHost.CreateAsync();
        var response = await AskOneAsync(host, new ServerReflectionRequest { ListServices = "*" });
        Assert.Equal(
            ["grpc.testing.UnimplementedService", "grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection", "tally.query.v1.QueryService"],
            response.ListServicesResponse.Service.Select(s => s.Name));
    }

    [Fact]
    public async Task FileByFilename_ReturnsTheFileFirstThenItsImports()
    {
        await using var host = await TestHost.CreateAsync();
        var files = Names(await AskOneAsync(host, new ServerReflectionRequest { FileByFilename = "grpc/testing/test.proto" }));
        Assert.Equal("grpc/testing/test.proto", files[0]);
        Assert.Equal(["grpc/testing/empty.proto", "grpc/testing/messages.proto"], files.Skip(1).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task FileContainingSymbol_TransitiveImportsIncludingWellKnownTypes_BuildIntoDescriptors()
    {
        await using var host = await TestHost.CreateAsync();
        var response = await AskOneAsync(host, new ServerReflectionRequest { FileContainingSymbol = "tally.query.v1.QueryService" });
        var names = Names(response);
        Assert.Equal("tally/query/v1/query.proto", names[0]);
        Assert.Contains("google/protobuf/timestamp.proto", names);
        Assert.Contains("tally/common/v1/provenance.proto", names); // imported by citations.proto, not by query.proto
        // The set is complete: a client can build every descriptor from it alone (dependencies first).
        var built = FileDescriptor.BuildFromByteStrings(DependenciesFirst(response.FileDescriptorResponse.FileDescriptorProto));
        var query = built.Single(f => f.Name == "tally/query/v1/query.proto");
        Assert.Equal("QueryService", query.Services.Single().Name);
    }

    [Theory]
    [InlineData("grpc.health.v1.Health", "grpc/health/v1/health.proto")]
    [InlineData("grpc.health.v1.Health.Watch", "grpc/health/v1/health.proto")]
    [InlineData("grpc.health.v1.HealthCheckRequest", "grpc/health/v1/health.proto")]
    [InlineData("grpc.health.v1.HealthCheckResponse.ServingStatus", "grpc/health/v1/health.proto")]
    [InlineData(".grpc.health.v1.HealthCheckRequest.service", "grpc/health/v1/health.proto")]
    [InlineData("grpc.testing.PayloadType", "grpc/testing/messages.proto")]
    [InlineData("grpc.testing.SimpleRequest", "grpc/testing/messages.proto")]
    [InlineData("grpc.testing.UnimplementedService.UnimplementedCall", "grpc/testing/test.proto")]
    [InlineData("google.protobuf.Timestamp", "google/protobuf/timestamp.proto")]
    public async Task FileContainingSymbol_KnownSymbol_ReturnsItsFileFirst(string symbol, string file)
    {
        await using var host = await TestHost.CreateAsync();
        var response = await AskOneAsync(host, new ServerReflectionRequest { FileContainingSymbol = symbol });
        Assert.Equal(file, Names(response)[0]);
    }

    [Fact]
    public async Task FileContainingSymbol_NestedMessage_Found()
    {
        await using var host = await TestHost.CreateAsync();
        var nested = global::Tally.Query.V1.QueryReflection.Descriptor.MessageTypes.SelectMany(m => m.NestedTypes).FirstOrDefault()
            ?? global::Grpc.Health.V1.HealthReflection.Descriptor.MessageTypes.SelectMany(m => m.NestedTypes).First();
        var response = await AskOneAsync(host, new ServerReflectionRequest { FileContainingSymbol = nested.FullName });
        Assert.Equal(nested.File.Name, Names(response)[0]);
    }

    [Fact]
    public async Task UnknownNames_ErrorResponseNotFound_AndTheStreamGoesOn()
    {
        await using var host = await TestHost.CreateAsync();
        using var call = new ReflectionClient(host.Channel).ServerReflectionInfo();
        var requests = new[]
        {
            new ServerReflectionRequest { Host = "h", FileContainingSymbol = "no.such.Symbol" },
            new ServerReflectionRequest { FileByFilename = "no/such.proto" },
            new ServerReflectionRequest { FileContainingExtension = new ExtensionRequest { ContainingType = "grpc.testing.Empty", ExtensionNumber = 100 } },
            new ServerReflectionRequest { AllExtensionNumbersOfType = "no.such.Message" },
            new ServerReflectionRequest { ListServices = "" },
        };
        var responses = new List<ServerReflectionResponse>();
        foreach (var request in requests)
        {
            await call.RequestStream.WriteAsync(request);
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Bound));
            responses.Add(call.ResponseStream.Current);
        }
        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Bound));

        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(ServerReflectionResponse.MessageResponseOneofCase.ErrorResponse, responses[i].MessageResponseCase);
            Assert.Equal((int)StatusCode.NotFound, responses[i].ErrorResponse.ErrorCode);
            Assert.Equal(requests[i], responses[i].OriginalRequest);
        }
        Assert.Contains("no.such.Symbol", responses[0].ErrorResponse.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal("h", responses[0].ValidHost);
        Assert.NotEmpty(responses[4].ListServicesResponse.Service);
    }

    [Fact]
    public async Task AllExtensionNumbersOfType_KnownMessage_EmptyList()
    {
        await using var host = await TestHost.CreateAsync();
        var response = await AskOneAsync(host, new ServerReflectionRequest { AllExtensionNumbersOfType = "grpc.testing.SimpleRequest" });
        Assert.Equal("grpc.testing.SimpleRequest", response.AllExtensionNumbersResponse.BaseTypeName);
        Assert.Empty(response.AllExtensionNumbersResponse.ExtensionNumber);
    }

    [Fact]
    public async Task NoRequestSet_ErrorResponseInvalidArgument()
    {
        await using var host = await TestHost.CreateAsync();
        var response = await AskOneAsync(host, new ServerReflectionRequest { Host = "x" });
        Assert.Equal((int)StatusCode.InvalidArgument, response.ErrorResponse.ErrorCode);
    }

    private static async Task<ServerReflectionResponse> AskOneAsync(TestHost host, ServerReflectionRequest request)
    {
        using var call = new ReflectionClient(host.Channel).ServerReflectionInfo();
        await call.RequestStream.WriteAsync(request);
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Bound));
        var response = call.ResponseStream.Current;
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Bound));
        return response;
    }

    /// <summary>Orders serialized files so that each comes after the files it imports; throws if one is missing.</summary>
    private static List<ByteString> DependenciesFirst(IEnumerable<ByteString> files)
    {
        var byName = files.ToDictionary(b => FileDescriptorProto.Parser.ParseFrom(b).Name, b => b);
        var ordered = new List<ByteString>();
        var done = new HashSet<string>();
        void Visit(string name)
        {
            if (!done.Add(name))
            {
                return;
            }
            Assert.True(byName.TryGetValue(name, out var bytes), $"import {name} is missing from the response");
            foreach (var dependency in FileDescriptorProto.Parser.ParseFrom(bytes).Dependency)
            {
                Visit(dependency);
            }
            ordered.Add(bytes);
        }
        foreach (var name in byName.Keys)
        {
            Visit(name);
        }
        return ordered;
    }

    private static List<string> Names(ServerReflectionResponse response)
    {
        Assert.Equal(ServerReflectionResponse.MessageResponseOneofCase.FileDescriptorResponse, response.MessageResponseCase);
        return response.FileDescriptorResponse.FileDescriptorProto.Select(b => FileDescriptorProto.Parser.ParseFrom(b).Name).ToList();
    }
}
