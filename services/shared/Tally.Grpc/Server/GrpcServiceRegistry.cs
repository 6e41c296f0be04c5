using System.Diagnostics.CodeAnalysis;
using Google.Protobuf.Reflection;

namespace Tally.Grpc.Server;

/// <summary>One mapped service: its full name, descriptor (when generated from a .proto) and methods.</summary>
public sealed class GrpcServiceInfo
{
    internal GrpcServiceInfo(string name, ServiceDescriptor? descriptor, IReadOnlyList<IMethod> methods, Type? implementationType)
    {
        Name = name;
        Descriptor = descriptor;
        Methods = methods;
        ImplementationType = implementationType;
    }

    /// <summary>"package.Service".</summary>
    public string Name { get; }
    public ServiceDescriptor? Descriptor { get; }
    public IReadOnlyList<IMethod> Methods { get; }
    public Type? ImplementationType { get; }
}

/// <summary>The services mapped with MapGrpcService (a singleton; health and reflection enumerate it).</summary>
public sealed class GrpcServiceRegistry
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, GrpcServiceInfo> _byName = new(StringComparer.Ordinal);
    private GrpcServiceInfo[] _services = [];

    /// <summary>Mapped services in mapping order.</summary>
    public IReadOnlyList<GrpcServiceInfo> Services => _services;

    public bool TryGetService(string name, [NotNullWhen(true)] out GrpcServiceInfo? service)
    {
        lock (_lock)
        {
            return _byName.TryGetValue(name, out service);
        }
    }

    internal bool UnimplementedMapped { get; set; }
    internal GrpcServerRuntime? Runtime { get; set; }

    internal void Add(GrpcServiceInfo service)
    {
        lock (_lock)
        {
            if (!_byName.TryAdd(service.Name, service))
            {
                throw new InvalidOperationException($"gRPC service '{service.Name}' is mapped twice.");
            }
            _services = [.. _services, service];
        }
    }
}
