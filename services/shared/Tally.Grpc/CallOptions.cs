namespace Tally.Grpc;

/// <summary>Per-call options: headers, deadline (UTC), cancellation and request compression.</summary>
public readonly struct CallOptions
{
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1068", Justification = "Same parameter order as Grpc.Core.CallOptions.")]
    public CallOptions(Metadata? headers = null, DateTime? deadline = null, CancellationToken cancellationToken = default, string? compression = null)
    {
        Headers = headers;
        Deadline = deadline;
        CancellationToken = cancellationToken;
        Compression = compression;
    }

    public Metadata? Headers { get; }

    /// <summary>When the call must be finished (UTC); null or DateTime.MaxValue means none.</summary>
    public DateTime? Deadline { get; }

    public CancellationToken CancellationToken { get; }

    /// <summary>Compression for request messages ("gzip"), or null for the channel's default.</summary>
    public string? Compression { get; }

    public CallOptions WithHeaders(Metadata? headers) => new(headers, Deadline, CancellationToken, Compression);
    public CallOptions WithDeadline(DateTime? deadline) => new(Headers, deadline, CancellationToken, Compression);
    public CallOptions WithCancellationToken(CancellationToken cancellationToken) => new(Headers, Deadline, cancellationToken, Compression);
    public CallOptions WithCompression(string? compression) => new(Headers, Deadline, CancellationToken, compression);
}
