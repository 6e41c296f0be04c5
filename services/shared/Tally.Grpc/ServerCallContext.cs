using Microsoft.AspNetCore.Http;

namespace Tally.Grpc;

/// <summary>What a handler knows about its call. The runtime's implementation sits on the HttpContext.</summary>
public abstract class ServerCallContext
{
    private Dictionary<object, object>? _userState;

    /// <summary>"/package.Service/Method".</summary>
    public abstract string Method { get; }
    public abstract string Host { get; }
    /// <summary>The client's address, e.g. "ipv4:127.0.0.1:50312".</summary>
    public abstract string Peer { get; }
    /// <summary>When the client's deadline passes (UTC); DateTime.MaxValue when it set none.</summary>
    public abstract DateTime Deadline { get; }
    public abstract Metadata RequestHeaders { get; }
    /// <summary>Fires when the client cancels, disconnects or its deadline passes.</summary>
    public abstract CancellationToken CancellationToken { get; }
    /// <summary>Trailers sent with the status at the end of the call.</summary>
    public abstract Metadata ResponseTrailers { get; }
    /// <summary>The status sent when the handler returns (an RpcException overrides it).</summary>
    public abstract Status Status { get; set; }

    /// <summary>Sends the response headers now, with these entries; at most once and before the first message.</summary>
    public abstract Task WriteResponseHeadersAsync(Metadata responseHeaders);

    /// <summary>Per-call state for interceptors and handlers.</summary>
    public IDictionary<object, object> UserState => _userState ??= [];

    /// <summary>
    /// Serialized fields of the response message, sent ahead of the returned message's own bytes as one message: protobuf
    /// merges concatenated encodings, so the peer reads the union (a later singular field wins, repeated fields append).
    /// For a handler that already holds its response serialized (a cache) and returns only the fields to add. Unary and
    /// client-streaming calls; empty by default.
    /// </summary>
    public ReadOnlyMemory<byte> ResponsePrefix { get; set; }

    /// <summary>The HttpContext of the call, or null outside ASP.NET Core (e.g. a test double).</summary>
    protected internal virtual HttpContext? HttpContextCore => null;
}

public static class ServerCallContextExtensions
{
    /// <summary>The call's HttpContext (request services, connection, features).</summary>
    public static HttpContext GetHttpContext(this ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.HttpContextCore
            ?? throw new InvalidOperationException("This ServerCallContext is not backed by an ASP.NET Core HttpContext.");
    }
}
