namespace Tally.Grpc;

/// <summary>gRPC status codes (same names and values as Grpc.Core.StatusCode).</summary>
public enum StatusCode
{
    OK = 0,
    Cancelled = 1,
    Unknown = 2,
    InvalidArgument = 3,
    DeadlineExceeded = 4,
    NotFound = 5,
    AlreadyExists = 6,
    PermissionDenied = 7,
    ResourceExhausted = 8,
    FailedPrecondition = 9,
    Aborted = 10,
    OutOfRange = 11,
    Unimplemented = 12,
    Internal = 13,
    Unavailable = 14,
    DataLoss = 15,
    Unauthenticated = 16,
}

/// <summary>The status of a finished call: a code and a human-readable detail.</summary>
public readonly struct Status : IEquatable<Status>
{
    public static readonly Status DefaultSuccess = new(StatusCode.OK, "");
    public static readonly Status DefaultCancelled = new(StatusCode.Cancelled, "");

    public Status(StatusCode statusCode, string detail) : this(statusCode, detail, null) { }

    /// <param name="debugException">The local failure behind a client-side status (not sent anywhere), as in grpc-dotnet.</param>
    public Status(StatusCode statusCode, string detail, Exception? debugException)
    {
        StatusCode = statusCode;
        Detail = detail ?? "";
        DebugException = debugException;
    }

    public StatusCode StatusCode { get; }
    public string Detail { get; }

    /// <summary>
    /// For statuses the client made up from a local failure (connection refused, TLS handshake failed): that exception,
    /// so that a caller can tell what went wrong beyond the text. Null for statuses received from a server.
    /// Not part of equality.
    /// </summary>
    public Exception? DebugException { get; }

    public bool Equals(Status other) => StatusCode == other.StatusCode && Detail == other.Detail;
    public override bool Equals(object? obj) => obj is Status other && Equals(other);
    public override int GetHashCode() => HashCode.Combine(StatusCode, Detail);
    public static bool operator ==(Status left, Status right) => left.Equals(right);
    public static bool operator !=(Status left, Status right) => !left.Equals(right);

    public override string ToString() => $"Status(StatusCode=\"{StatusCode}\", Detail=\"{Detail}\")";
}

/// <summary>Thrown by clients for a failed call and by handlers to end a call with a status.</summary>
public sealed class RpcException : Exception
{
    public RpcException() : this(new Status(StatusCode.Unknown, "")) { }
    public RpcException(string message) : this(new Status(StatusCode.Unknown, message)) { }
    public RpcException(string message, Exception innerException) : base(message, innerException) => Status = new Status(StatusCode.Unknown, message);
    public RpcException(Status status) : this(status, Metadata.Empty) { }
    public RpcException(Status status, string message) : this(status, Metadata.Empty, message) { }
    public RpcException(Status status, Metadata trailers) : this(status, trailers, Describe(status)) { }

    public RpcException(Status status, Metadata trailers, string message) : base(message)
    {
        Status = status;
        Trailers = trailers ?? Metadata.Empty;
    }

    public Status Status { get; }
    public StatusCode StatusCode => Status.StatusCode;
    public Metadata Trailers { get; } = Metadata.Empty;

    private static string Describe(Status status) =>
        $"Status(StatusCode=\"{status.StatusCode}\", Detail=\"{status.Detail}\")";
}
