using System.Net;
using Microsoft.Extensions.Options;

namespace Tally.Hosting;

/// <summary>Where a Tally service listens. Section "Tally:Host"; env vars Tally__Host__GrpcPort etc.</summary>
public sealed class TallyHostOptions
{
    public const string SectionName = "Tally:Host";

    /// <summary>IP address both ports bind to: "127.0.0.1" (default), "0.0.0.0", "::", or "*" for every interface.</summary>
    public string BindAddress { get; set; } = "127.0.0.1";

    /// <summary>The gRPC port: HTTP/2 only, cleartext (h2c).</summary>
    public int GrpcPort { get; set; } = 7400;

    /// <summary>The plain HTTP/1.1 port: /metrics, /healthz, /readyz.</summary>
    public int HttpPort { get; set; } = 7401;

    /// <summary>Serve gRPC server reflection (grpc.reflection.v1alpha) so tools such as grpcurl can list and call the
    /// services without the protos; false hides it (health stays). Default true.</summary>
    public bool Reflection { get; set; } = true;

    /// <summary>Name used in logs; defaults to the application name.</summary>
    public string? ServiceName { get; set; }

    internal IPAddress ParsedBindAddress =>
        BindAddress == "*" ? IPAddress.IPv6Any : IPAddress.Parse(BindAddress);
}

/// <summary>Checks <see cref="TallyHostOptions"/> at start; every message names the setting it is about.</summary>
internal sealed class TallyHostOptionsValidator : IValidateOptions<TallyHostOptions>
{
    public ValidateOptionsResult Validate(string? name, TallyHostOptions options)
    {
        var failures = new List<string>();
        const string prefix = TallyHostOptions.SectionName + ":";
        if (options.BindAddress != "*" && !IPAddress.TryParse(options.BindAddress, out _))
        {
            failures.Add($"{prefix}BindAddress must be an IP address such as 127.0.0.1 or 0.0.0.0, or * (got \"{options.BindAddress}\")");
        }
        CheckPort(failures, prefix + nameof(TallyHostOptions.GrpcPort), options.GrpcPort);
        CheckPort(failures, prefix + nameof(TallyHostOptions.HttpPort), options.HttpPort);
        if (options.GrpcPort == options.HttpPort)
        {
            failures.Add($"{prefix}GrpcPort and {prefix}HttpPort must differ (both are {options.GrpcPort})");
        }
        if (string.IsNullOrWhiteSpace(options.ServiceName))
        {
            failures.Add($"{prefix}ServiceName must not be empty");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void CheckPort(List<string> failures, string setting, int port)
    {
        if (port is < 1 or > 65535) failures.Add($"{setting} must be between 1 and 65535 (got {port})");
    }
}
