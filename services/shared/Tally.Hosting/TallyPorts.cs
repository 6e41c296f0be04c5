using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Matching;
using Microsoft.Extensions.Options;

namespace Tally.Hosting;

/// <summary>Which of a service's two ports an endpoint answers on.</summary>
public enum TallyPort
{
    /// <summary>The HTTP/2 (h2c) gRPC port. Endpoints without a port requirement live here.</summary>
    Grpc,

    /// <summary>The HTTP/1.1 port for /metrics and health.</summary>
    Http,
}

/// <summary>Endpoint metadata: answer only on this port.</summary>
public sealed record TallyPortMetadata(TallyPort Port);

public static class TallyPortEndpointExtensions
{
    /// <summary>Serve the endpoint on the HTTP/1.1 port only (and 404 on the gRPC port).</summary>
    public static TBuilder RequireHttpPort<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new TallyPortMetadata(TallyPort.Http));

    /// <summary>Serve the endpoint on the gRPC port only. This is already the default for endpoints without metadata.</summary>
    public static TBuilder RequireGrpcPort<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new TallyPortMetadata(TallyPort.Grpc));
}

/// <summary>
/// Routing policy that keeps the two ports apart by the connection's local port (not the Host header, which a
/// client or proxy controls): an endpoint answers only on the port its <see cref="TallyPortMetadata"/> names,
/// the gRPC port when it has none. Requests on ports Tally did not configure (and in-memory test servers, which
/// have no port) are not filtered.
/// </summary>
internal sealed class TallyPortMatcherPolicy(IOptionsMonitor<TallyHostOptions> options) : MatcherPolicy, IEndpointSelectorPolicy
{
    public override int Order => 0;

    public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints) => endpoints.Count > 0;

    public Task ApplyAsync(HttpContext httpContext, CandidateSet candidates)
    {
        var local = httpContext.Connection.LocalPort;
        var host = options.CurrentValue;
        TallyPort here;
        if (local == host.GrpcPort) here = TallyPort.Grpc;
        else if (local == host.HttpPort) here = TallyPort.Http;
        else return Task.CompletedTask;

        for (var i = 0; i < candidates.Count; i++)
        {
            if (!candidates.IsValidCandidate(i)) continue;
            var wanted = candidates[i].Endpoint.Metadata.GetMetadata<TallyPortMetadata>()?.Port ?? TallyPort.Grpc;
            if (wanted != here) candidates.SetValidity(i, false);
        }
        return Task.CompletedTask;
    }
}
