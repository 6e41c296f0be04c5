using Google.Protobuf.Reflection;
using Tally.Grpc.Server;

namespace Tally.Grpc.Services.Reflection;

/// <summary>
/// What reflection can describe: the mapped services, the .proto files that define them and every file those import,
/// with an index from fully-qualified symbol (service, method, message, nested message, enum, field) to its file.
/// </summary>
internal sealed class DescriptorIndex
{
    private readonly Dictionary<string, FileDescriptor> _files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FileDescriptor> _symbols = new(StringComparer.Ordinal);
    private readonly HashSet<string> _messages = new(StringComparer.Ordinal);

    private DescriptorIndex(IReadOnlyList<GrpcServiceInfo> services)
    {
        ServiceNames = services.Select(s => s.Name).ToArray();
        ServiceCount = services.Count;
        foreach (var service in services)
        {
            if (service.Descriptor is { } descriptor)
            {
                AddFile(descriptor.File);
            }
        }
    }

    /// <summary>How many mapped services the index was built from (it is rebuilt when more are mapped).</summary>
    public int ServiceCount { get; }

    /// <summary>Full names of the mapped services, in mapping order.</summary>
    public IReadOnlyList<string> ServiceNames { get; }

    public static DescriptorIndex Build(GrpcServiceRegistry registry) => new(registry.Services);

    public FileDescriptor? FindFile(string fileName) => _files.GetValueOrDefault(fileName);

    public FileDescriptor? FindFileContainingSymbol(string symbol) => _symbols.GetValueOrDefault(symbol.TrimStart('.'));

    /// <summary>True when <paramref name="typeName"/> is a message this index knows.</summary>
    public bool IsMessage(string typeName) => _messages.Contains(typeName.TrimStart('.'));

    /// <summary>The file first, then every file it imports, directly or not (each once).</summary>
    public static IReadOnlyList<FileDescriptor> WithDependencies(FileDescriptor file)
    {
        var ordered = new List<FileDescriptor>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var queue = new Queue<FileDescriptor>();
        queue.Enqueue(file);
        seen.Add(file.Name);
        while (queue.TryDequeue(out var next))
        {
            ordered.Add(next);
            foreach (var dependency in next.Dependencies)
            {
                if (seen.Add(dependency.Name))
                {
                    queue.Enqueue(dependency);
                }
            }
        }
        return ordered;
    }

    private void AddFile(FileDescriptor file)
    {
        if (!_files.TryAdd(file.Name, file))
        {
            return;
        }
        foreach (var dependency in file.Dependencies)
        {
            AddFile(dependency);
        }
        foreach (var service in file.Services)
        {
            _symbols.TryAdd(service.FullName, file);
            foreach (var method in service.Methods)
            {
                _symbols.TryAdd(method.FullName, file);
            }
        }
        foreach (var message in file.MessageTypes)
        {
            AddMessage(message, file);
        }
        foreach (var enumType in file.EnumTypes)
        {
            _symbols.TryAdd(enumType.FullName, file);
        }
    }

    private void AddMessage(MessageDescriptor message, FileDescriptor file)
    {
        _symbols.TryAdd(message.FullName, file);
        _messages.Add(message.FullName);
        foreach (var field in message.Fields.InDeclarationOrder())
        {
            _symbols.TryAdd(field.FullName, file);
        }
        foreach (var nested in message.NestedTypes)
        {
            AddMessage(nested, file);
        }
        foreach (var enumType in message.EnumTypes)
        {
            _symbols.TryAdd(enumType.FullName, file);
        }
    }
}
