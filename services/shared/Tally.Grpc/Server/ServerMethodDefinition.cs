using Google.Protobuf;
using Google.Protobuf.Reflection;
using Microsoft.AspNetCore.Http;

namespace Tally.Grpc.Server;

/// <summary>A method with its handler, before interceptors and options are applied at map time.</summary>
internal abstract class ServerMethodDefinition
{
    public abstract IMethod Method { get; }

    /// <summary>Throws (at start) when the generated method disagrees with the .proto's descriptor.</summary>
    public abstract void Validate(ServiceDescriptor descriptor);

    public abstract RequestDelegate CreateRequestDelegate(GrpcServerRuntime runtime);
}

internal sealed class ServerMethodDefinition<TRequest, TResponse>(Method<TRequest, TResponse> method, Delegate handler) : ServerMethodDefinition
    where TRequest : class, IMessage<TRequest> where TResponse : class, IMessage<TResponse>
{
    public override IMethod Method => method;

    public override void Validate(ServiceDescriptor descriptor)
    {
        var where = $"gRPC method {method.FullName} does not match the descriptor of {descriptor.FullName}";
        var proto = descriptor.FindMethodByName(method.Name)
            ?? throw new InvalidOperationException($"{where}: the service has no method '{method.Name}'.");
        var clientStreaming = method.Type is MethodType.ClientStreaming or MethodType.DuplexStreaming;
        var serverStreaming = method.Type is MethodType.ServerStreaming or MethodType.DuplexStreaming;
        if (proto.IsClientStreaming != clientStreaming || proto.IsServerStreaming != serverStreaming)
        {
            throw new InvalidOperationException($"{where}: it is {method.Type} in code but " +
                $"client_streaming={proto.IsClientStreaming}, server_streaming={proto.IsServerStreaming} in the .proto.");
        }
        var request = method.RequestParser.ParseFrom(ByteString.Empty).Descriptor.FullName;
        var response = method.ResponseParser.ParseFrom(ByteString.Empty).Descriptor.FullName;
        if (request != proto.InputType.FullName || response != proto.OutputType.FullName)
        {
            throw new InvalidOperationException($"{where}: code uses ({request}) returns ({response}) but the .proto says " +
                $"({proto.InputType.FullName}) returns ({proto.OutputType.FullName}).");
        }
    }

    public override RequestDelegate CreateRequestDelegate(GrpcServerRuntime runtime)
    {
        var wrapped = handler;
        for (var i = runtime.Interceptors.Count - 1; i >= 0; i--)
        {
            var interceptor = runtime.Interceptors[i];
            wrapped = wrapped switch
            {
                UnaryServerMethod<TRequest, TResponse> next =>
                    new UnaryServerMethod<TRequest, TResponse>((r, c) => interceptor.UnaryServerHandler(r, c, next)),
                ClientStreamingServerMethod<TRequest, TResponse> next =>
                    new ClientStreamingServerMethod<TRequest, TResponse>((s, c) => interceptor.ClientStreamingServerHandler(s, c, next)),
                ServerStreamingServerMethod<TRequest, TResponse> next =>
                    new ServerStreamingServerMethod<TRequest, TResponse>((r, w, c) => interceptor.ServerStreamingServerHandler(r, w, c, next)),
                DuplexStreamingServerMethod<TRequest, TResponse> next =>
                    new DuplexStreamingServerMethod<TRequest, TResponse>((s, w, c) => interceptor.DuplexStreamingServerHandler(s, w, c, next)),
                _ => throw new InvalidOperationException($"Unexpected handler type {wrapped.GetType()}."),
            };
        }
        return new ServerCallHandler<TRequest, TResponse>(method, wrapped, runtime).HandleCallAsync;
    }
}
