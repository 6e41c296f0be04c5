using Google.Protobuf.Reflection;
using global::Grpc.Reflection.V1Alpha;
using Tally.Grpc.Server;
using RequestCase = global::Grpc.Reflection.V1Alpha.ServerReflectionRequest.MessageRequestOneofCase;

namespace Tally.Grpc.Services.Reflection;

/// <summary>
/// grpc.reflection.v1alpha.ServerReflection over the mapped services: list_services, file_by_filename,
/// file_containing_symbol (services, methods, messages, enums, nested types, fields). Files come back as serialized
/// FileDescriptorProtos, the requested file first and then everything it imports. Unknown names, and extensions
/// (proto3 has none), get an error_response with code NOT_FOUND; the stream stays open.
/// </summary>
internal sealed class ReflectionService(GrpcServiceRegistry registry) : global::Grpc.Reflection.V1Alpha.ServerReflection.ServerReflectionBase
{
    private volatile DescriptorIndex? _index;

    public override async Task ServerReflectionInfo(IAsyncStreamReader<ServerReflectionRequest> requestStream,
        IServerStreamWriter<ServerReflectionResponse> responseStream, ServerCallContext context)
    {
        while (await requestStream.MoveNext(context.CancellationToken))
        {
            var request = requestStream.Current;
            var response = Answer(request);
            response.ValidHost = request.Host;
            response.OriginalRequest = request;
            await responseStream.WriteAsync(response);
        }
    }

    internal ServerReflectionResponse Answer(ServerReflectionRequest request)
    {
        var index = Index();
        switch (request.MessageRequestCase)
        {
            case RequestCase.ListServices:
            {
                var list = new ListServiceResponse();
                list.Service.AddRange(index.ServiceNames.Select(name => new ServiceResponse { Name = name }));
                return new ServerReflectionResponse { ListServicesResponse = list };
            }
            case RequestCase.FileByFilename:
                return index.FindFile(request.FileByFilename) is { } file
                    ? Files(file)
                    : NotFound($"File '{request.FileByFilename}' is not known to this server. " +
                        "Files are named by their import path, e.g. 'grpc/health/v1/health.proto'; list_services shows what is served.");
            case RequestCase.FileContainingSymbol:
                return index.FindFileContainingSymbol(request.FileContainingSymbol) is { } owner
                    ? Files(owner)
                    : NotFound($"Symbol '{request.FileContainingSymbol}' is not known to this server. Use a fully-qualified name " +
                        "such as 'grpc.health.v1.Health', 'grpc.health.v1.Health.Check' or 'grpc.health.v1.HealthCheckRequest'.");
            case RequestCase.FileContainingExtension:
                var extension = request.FileContainingExtension;
                return NotFound($"Extension {extension.ExtensionNumber} of '{extension.ContainingType}' is not known: " +
                    "this server's protos (proto3) declare no extensions.");
            case RequestCase.AllExtensionNumbersOfType:
                var type = request.AllExtensionNumbersOfType.TrimStart('.');
                return index.IsMessage(type)
                    ? new ServerReflectionResponse { AllExtensionNumbersResponse = new ExtensionNumberResponse { BaseTypeName = type } }
                    : NotFound($"Message type '{request.AllExtensionNumbersOfType}' is not known to this server.");
            default:
                return Error(StatusCode.InvalidArgument,
                    "The request sets none of file_by_filename, file_containing_symbol, file_containing_extension, " +
                    "all_extension_numbers_of_type or list_services.");
        }
    }

    /// <summary>The index, rebuilt if services were mapped after it was built.</summary>
    private DescriptorIndex Index()
    {
        var index = _index;
        if (index is null || index.ServiceCount != registry.Services.Count)
        {
            _index = index = DescriptorIndex.Build(registry);
        }
        return index;
    }

    private static ServerReflectionResponse Files(FileDescriptor file)
    {
        var files = new FileDescriptorResponse();
        files.FileDescriptorProto.AddRange(DescriptorIndex.WithDependencies(file).Select(f => f.SerializedData));
        return new ServerReflectionResponse { FileDescriptorResponse = files };
    }

    private static ServerReflectionResponse NotFound(string message) => Error(StatusCode.NotFound, message);

    private static ServerReflectionResponse Error(StatusCode code, string message) => new()
    {
        ErrorResponse = new ErrorResponse { ErrorCode = (int)code, ErrorMessage = message },
    };
}
