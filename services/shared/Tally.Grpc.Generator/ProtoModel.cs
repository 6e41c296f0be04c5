using System.Collections.Generic;

namespace Tally.Grpc.Generator;

/// <summary>What the generator needs from one .proto file.</summary>
internal sealed class ProtoFile
{
    public ProtoFile(string path) => Path = path;

    public string Path { get; }
    public string Package { get; set; } = "";
    public string? CSharpNamespaceOption { get; set; }
    public List<string> Imports { get; } = new();
    /// <summary>Message names relative to the package, nested ones dotted ("Outer.Inner").</summary>
    public List<string> Messages { get; } = new();
    public List<ProtoService> Services { get; } = new();
    public ProtoError? Error { get; set; }

    public string CSharpNamespace => CSharpNamespaceOption ?? Naming.PackageToNamespace(Package);
    public string ReflectionClass => Naming.ReflectionClassName(Path);
}

internal sealed class ProtoService
{
    public ProtoService(string name, int index, ProtoPosition position)
    {
        Name = name;
        Index = index;
        Position = position;
    }

    public string Name { get; }
    /// <summary>Position among the file's services: its index in FileDescriptor.Services.</summary>
    public int Index { get; }
    public ProtoPosition Position { get; }
    public List<ProtoRpc> Methods { get; } = new();
}

internal sealed class ProtoRpc
{
    public ProtoRpc(string name, string inputType, bool clientStreaming, string outputType, bool serverStreaming, ProtoPosition position)
    {
        Name = name;
        InputType = inputType;
        ClientStreaming = clientStreaming;
        OutputType = outputType;
        ServerStreaming = serverStreaming;
        Position = position;
    }

    public string Name { get; }
    public string InputType { get; }
    public bool ClientStreaming { get; }
    public string OutputType { get; }
    public bool ServerStreaming { get; }
    public ProtoPosition Position { get; }
}

internal readonly struct ProtoPosition
{
    public ProtoPosition(int offset, int length, int line, int column)
    {
        Offset = offset;
        Length = length;
        Line = line;
        Column = column;
    }

    public int Offset { get; }
    public int Length { get; }
    public int Line { get; }
    public int Column { get; }
}

internal sealed class ProtoError
{
    public ProtoError(string message, ProtoPosition position)
    {
        Message = message;
        Position = position;
    }

    public string Message { get; }
    public ProtoPosition Position { get; }
}
