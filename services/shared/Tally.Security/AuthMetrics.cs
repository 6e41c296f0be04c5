using System.Diagnostics.Metrics;

namespace Tally.Security;

/// <summary>
/// <c>tally_auth_failures_total{reason}</c> (meter "Tally.Security"): calls refused for their credentials or role.
/// Reasons: missing, malformed, unknown_key, revoked, expired, invalid_token, wrong_audience, wrong_issuer,
/// plaintext, unknown_role, forbidden, unlisted_method, unavailable.
/// </summary>
public sealed class AuthMetrics
{
    public const string MeterName = "Tally.Security";
    private readonly Counter<long> _failures;

    public AuthMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _failures = meterFactory.Create(MeterName).CreateCounter<long>("tally_auth_failures_total",
            description: "Calls refused with UNAUTHENTICATED or PERMISSION_DENIED, by reason.");
    }

    public void Failed(string reason) => _failures.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
