using Google.Protobuf;
using Google.Protobuf.Reflection;
using Tally.Grpc.Server;

namespace Tally.Grpc;

public delegate Task<TResponse> UnaryServerMethod<TRequest, TResponse>(TRequest request, ServerCallContext context)
    where TRequest : class where TResponse : class;

public delegate Task<TResponse> ClientStreamingServerMethod<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context)
    where TRequest : class where TResponse : class;

public delegate Task ServerStreamingServerMethod<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context)
    where TRequest : class where TResponse : class;

public delegate Task DuplexStreamingServerMethod<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context)
    where TRequest : class where TResponse : class;

/// <summary>Marks a generated service base class with the static method that binds it.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class BindServiceMethodAttribute(Type bindType, string bindMethodName) : Attribute
{
    public Type BindType { get; } = bindType;
    public string BindMethodName { get; } = bindMethodName;
}

/// <summary>A service's methods bound to their handlers: what <c>MapGrpcService</c> maps.</summary>
public sealed class ServerServiceDefinition
{
    private ServerServiceDefinition(string name, ServiceDescriptor? descriptor, IReadOnlyList<ServerMethodDefinition> methods)
    {
        Name = name;
        Descriptor = descriptor;
        Methods = methods;
    }

    /// <summary>The service's full name, e.g. "tally.query.v1.Query".</summary>
    public string Name { get; }
    public ServiceDescriptor? Descriptor { get; }
    internal IReadOnlyList<ServerMethodDefinition> Methods { get; }

    public static Builder CreateBuilder(string serviceName, ServiceDescriptor? descriptor = null) => new(serviceName, descriptor);

    public sealed class Builder
    {
        private readonly string _name;
        private readonly ServiceDescriptor? _descriptor;
        private readonly List<ServerMethodDefinition> _methods = [];

        internal Builder(string name, ServiceDescriptor? descriptor)
        {
            ArgumentException.ThrowIfNullOrEmpty(name);
            _name = name;
            _descriptor = descriptor;
        }

        public Builder AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse> handler)
            where TRequest : class, IMessage<TRequest> where TResponse : class, IMessage<TResponse> =>
            Add(method, MethodType.Unary, handler);

        public Builder AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse> handler)
            where TRequest : class, IMessage<TRequest> where TResponse : class, IMessage<TResponse> =>
            Add(method, MethodType.ClientStreaming, handler);

        public Builder AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse> handler)
            where TRequest : class, IMessage<TRequest> where TResponse : class, IMessage<TResponse> =>
            Add(method, MethodType.ServerStreaming, handler);

        public Builder AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse> handler)
            where TRequest : class, IMessage<TRequest> where TResponse : class, IMessage<TResponse> =>
            Add(method, MethodType.DuplexStreaming, handler);

        public ServerServiceDefinition Build() => new(_name, _descriptor, _methods.ToArray());

        private Builder Add<TRequest, TResponse>(Method<TRequest, TResponse> method, MethodType expected, Delegate handler)
            where TRequest : class, IMessage<TRequest> where TResponse : class, IMessage<TResponse>
        {
            ArgumentNullException.ThrowIfNull(method);
            ArgumentNullException.ThrowIfNull(handler);
            if (method.Type != expected)
            {
                throw new ArgumentException($"Method {method.FullName} is {method.Type} but its handler is for {expected}.", nameof(handler));
            }
            if (method.ServiceName != _name)
            {
                throw new ArgumentException($"Method {method.FullName} does not belong to service {_name}.", nameof(method));
            }
            _methods.Add(new ServerMethodDefinition<TRequest, TResponse>(method, handler));
            return this;
        }
    }
}
