namespace Tally.Grpc;

/// <summary>Client channel settings.</summary>
public sealed class GrpcChannelOptions
{
    /// <summary>A handler to send requests with; by default a SocketsHttpHandler made for gRPC (HTTP/2, multiple connections).</summary>
    public HttpMessageHandler? HttpHandler { get; set; }

    /// <summary>
    /// TLS settings for https:// addresses on the default handler: which CAs to trust (<c>CertificateChainPolicy</c>;
    /// null = the system store), a client certificate to present (<c>ClientCertificateContext</c>), a validation callback.
    /// The channel sets the target host and ALPN (h2), and wraps the validation callback so that a refused server
    /// certificate fails calls with a <see cref="ServerCertificateException"/> saying why: give each channel its own
    /// instance. Cannot be combined with <see cref="HttpHandler"/>: set it there.
    /// </summary>
    public System.Net.Security.SslClientAuthenticationOptions? SslOptions { get; set; }

    /// <summary>Dispose <see cref="HttpHandler"/> with the channel (default true).</summary>
    public bool DisposeHttpClient { get; set; } = true;

    /// <summary>Largest response message accepted (bytes, after decompression); null = no limit. Default 4 MiB.</summary>
    public int? MaxReceiveMessageSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>Largest request message sent (bytes); null = no limit.</summary>
    public int? MaxSendMessageSize { get; set; }

    /// <summary>Default request compression ("gzip") for calls that set none; null = none.</summary>
    public string? RequestCompression { get; set; }
}
