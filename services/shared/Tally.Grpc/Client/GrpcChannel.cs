using System.Collections.Concurrent;
using Tally.Grpc.Internal;

namespace Tally.Grpc;

/// <summary>
/// A connection target for clients: one SocketsHttpHandler (HTTP/2, several connections when streams run out).
/// http:// addresses use HTTP/2 with prior knowledge (h2c); https:// negotiates h2 with ALPN.
/// </summary>
public sealed class GrpcChannel : ChannelBase, IDisposable
{
    private readonly ConcurrentDictionary<string, Uri> _uris = new(StringComparer.Ordinal);
    private readonly bool _disposeHandler;
    private readonly CallInvoker _callInvoker;

    private GrpcChannel(Uri address, GrpcChannelOptions options) : base(address.Authority)
    {
        Address = address;
        MaxReceiveMessageSize = options.MaxReceiveMessageSize ?? int.MaxValue;
        MaxSendMessageSize = options.MaxSendMessageSize;
        RequestCompression = ValidateCompression(options.RequestCompression);
        var handler = options.HttpHandler ?? new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            KeepAlivePingDelay = TimeSpan.FromSeconds(60),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(30),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
        };
        if (options.SslOptions is not null)
        {
            if (options.HttpHandler is not null)
            {
                throw new ArgumentException("GrpcChannelOptions.SslOptions applies to the default handler only; set TLS options on your HttpHandler instead.", nameof(options));
            }
            ((SocketsHttpHandler)handler).SslOptions = options.SslOptions;
        }
        if (options.HttpHandler is null && address.Scheme == Uri.UriSchemeHttps)
        {
            var ssl = ((SocketsHttpHandler)handler).SslOptions;
            ssl.RemoteCertificateValidationCallback = ServerCertificateValidation.Wrap(ssl.RemoteCertificateValidationCallback);
            PresentsClientCertificate = ssl.ClientCertificateContext is not null || ssl.ClientCertificates is { Count: > 0 } || ssl.LocalCertificateSelectionCallback is not null;
        }
        _disposeHandler = options.HttpHandler is null || options.DisposeHttpClient;
        Invoker = new HttpMessageInvoker(handler, _disposeHandler);
        _callInvoker = new Client.HttpClientCallInvoker(this);
    }

    public Uri Address { get; }

    internal HttpMessageInvoker Invoker { get; }

    /// <summary>https:// with a client certificate configured (for error messages about mutual TLS).</summary>
    internal bool PresentsClientCertificate { get; }
    internal int MaxReceiveMessageSize { get; }
    internal int? MaxSendMessageSize { get; }
    internal string? RequestCompression { get; }

    public static GrpcChannel ForAddress(string address, GrpcChannelOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(address);
        return ForAddress(new Uri(address, UriKind.Absolute), options);
    }

    public static GrpcChannel ForAddress(Uri address, GrpcChannelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!address.IsAbsoluteUri || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"gRPC address '{address}' must be an absolute http:// or https:// URI.", nameof(address));
        }
        return new GrpcChannel(address, options ?? new GrpcChannelOptions());
    }

    public override CallInvoker CreateCallInvoker() => _callInvoker;

    public void Dispose() => Invoker.Dispose();

    internal Uri GetRequestUri(IMethod method) =>
        _uris.GetOrAdd(method.FullName, static (path, address) => new Uri(address, path), Address);

    internal static string? ValidateCompression(string? compression) =>
        compression is null || compression.Equals(GrpcProtocol.Identity, StringComparison.OrdinalIgnoreCase) ? null
        : compression.Equals(GrpcProtocol.Gzip, StringComparison.OrdinalIgnoreCase) ? GrpcProtocol.Gzip
        : throw new ArgumentException($"Compression '{compression}' is not supported; use \"gzip\" or null.", nameof(compression));
}
