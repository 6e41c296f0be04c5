using Google.Protobuf;

namespace Tally.Grpc;

public enum MethodType
{
    Unary = 0,
    ClientStreaming = 1,
    ServerStreaming = 2,
    DuplexStreaming = 3,
}

/// <summary>A method without its message types: what the runtime and interceptors can see of any call.</summary>
public interface IMethod
{
    MethodType Type { get; }
    string ServiceName { get; }
    string Name { get; }
    /// <summary>"/package.Service/Method": the HTTP/2 :path of the call.</summary>
    string FullName { get; }
}

/// <summary>A gRPC method: its kind, names and the protobuf parsers of its messages.</summary>
public sealed class Method<TRequest, TResponse> : IMethod
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    public Method(MethodType type, string serviceName, string name, MessageParser<TRequest> requestParser, MessageParser<TResponse> responseParser)
    {
        ArgumentException.ThrowIfNullOrEmpty(serviceName);
        ArgumentException.ThrowIfNullOrEmpty(name);
        Type = type;
        ServiceName = serviceName;
        Name = name;
        FullName = "/" + serviceName + "/" + name;
        RequestParser = requestParser ?? throw new ArgumentNullException(nameof(requestParser));
        ResponseParser = responseParser ?? throw new ArgumentNullException(nameof(responseParser));
    }

    public MethodType Type { get; }
    public string ServiceName { get; }
    public string Name { get; }
    public string FullName { get; }
    public MessageParser<TRequest> RequestParser { get; }
    public MessageParser<TResponse> ResponseParser { get; }

    public override string ToString() => FullName;
}
