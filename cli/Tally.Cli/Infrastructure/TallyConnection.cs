using Tally.Access.V1;
using Tally.Citations.V1;
using Tally.Definitions.V1;
using Tally.Grpc;
using Tally.Ingestion.V1;
using Tally.Query.V1;
using HealthClient = global::Grpc.Health.V1.Health.HealthClient;

namespace Tally.Cli.Infrastructure;

/// <summary>One channel to the server and the generated clients over it; every call gets a deadline.</summary>
internal sealed class TallyConnection : IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly Metadata? _headers;

    /// <param name="timeout">--timeout as given, or null for <paramref name="defaultTimeout"/> (itself null for 30 s).</param>
    /// <param name="tls">TLS files for an https:// server (--ca, --cert, --key), or null.</param>
    /// <param name="token">Bearer token sent with every call (--token / TALLY_TOKEN); null or empty for none.</param>
    public TallyConnection(Uri address, TimeSpan? timeout, TimeSpan? defaultTimeout = null, ClientTls? tls = null, string? token = null)
    {
        _headers = string.IsNullOrEmpty(token) ? null : new Metadata { { "authorization", "Bearer " + token } };
        Address = address;
        Tls = tls;
        Timeout = timeout ?? defaultTimeout ?? TimeoutOption.DefaultUnary;
        _channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            MaxReceiveMessageSize = 64 * 1024 * 1024,
            SslOptions = tls?.CreateSslOptions(),
        });
        var invoker = _channel.CreateCallInvoker();
        Query = new QueryService.QueryServiceClient(invoker);
        Definitions = new MetricDefinitionService.MetricDefinitionServiceClient(invoker);
        Citations = new CitationService.CitationServiceClient(invoker);
        Ingestion = new IngestionService.IngestionServiceClient(invoker);
        Health = new HealthClient(invoker);
        Access = new AccessService.AccessServiceClient(invoker);
    }

    public Uri Address { get; }

    /// <summary>The TLS files in use (https:// servers), for error hints.</summary>
    public ClientTls? Tls { get; }

    /// <summary>The deadline each call gets, counted from its start.</summary>
    public TimeSpan Timeout { get; }

    public QueryService.QueryServiceClient Query { get; }
    public MetricDefinitionService.MetricDefinitionServiceClient Definitions { get; }
    public CitationService.CitationServiceClient Citations { get; }
    public IngestionService.IngestionServiceClient Ingestion { get; }
    public HealthClient Health { get; }
    public AccessService.AccessServiceClient Access { get; }

    /// <summary>Options for one call: a deadline <see cref="Timeout"/> from now, and cancellation (Ctrl-C).</summary>
    public CallOptions Call(CancellationToken cancellationToken) =>
        new(_headers, DateTime.UtcNow + Timeout, cancellationToken);

    public void Dispose() => _channel.Dispose();
}
