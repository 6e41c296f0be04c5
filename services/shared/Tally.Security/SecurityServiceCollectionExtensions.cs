using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Tally.Security;

public static class SecurityServiceCollectionExtensions
{
    /// <summary>
    /// Options (Tally:Auth, validated at start), the authenticator, the server interceptor, the outgoing-credentials
    /// interceptor and the metric. The host adds <see cref="AuthorizationInterceptor"/> first in its interceptor list and
    /// registers an <see cref="IApiKeyVerifier"/> (the definitions service's store, or a remote one).
    /// </summary>
    public static IServiceCollection AddTallyAuth(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddTallyAuthOptions();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<AuthMetrics>();
        services.TryAddSingleton<CallerAuthenticator>();
        services.TryAddSingleton<CallerAccessor>();
        services.TryAddSingleton<IApiKeyVerifier, UnavailableApiKeyVerifier>();
        services.TryAddSingleton<OutgoingCredentialsInterceptor>();
        return services;
    }

    /// <summary>
    /// Tally:Auth bound and validated once, however many times it is asked for (binding twice would append every list
    /// entry twice), plus the HttpContext accessor that reads the inbound caller. Enough for service clients.
    /// </summary>
    public static IServiceCollection AddTallyAuthOptions(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(AuthOptionsBound)))
        {
            return services;
        }

        services.AddSingleton<AuthOptionsBound>();
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>());
        services.AddHttpContextAccessor();
        return services;
    }

    /// <summary>Marks that <see cref="AddTallyAuthOptions"/> ran.</summary>
    private sealed class AuthOptionsBound;
}

/// <summary>Start-up checks of Tally:Auth with messages that name the setting.</summary>
internal sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var errors = new List<string>();
        var anon = options.AnonymousLoopbackRole.Trim();
        if (!anon.Equals("none", StringComparison.OrdinalIgnoreCase) && RoleNames.Parse(anon) is null)
        {
            errors.Add($"{AuthOptions.Section}:AnonymousLoopbackRole is '{anon}'; use none, reader, editor or admin.");
        }

        if (options.ServiceToken is { } token && token.Length < 32)
        {
            errors.Add($"{AuthOptions.Section}:ServiceToken is {token.Length} characters; use at least 32 random characters (e.g. `openssl rand -hex 32`).");
        }

        if (options.BootstrapToken is { } bootstrap && bootstrap.Length < 32)
        {
            errors.Add($"{AuthOptions.Section}:BootstrapToken is {bootstrap.Length} characters; use at least 32 random characters.");
        }

        var jwt = options.Jwt;
        if (jwt.Enabled)
        {
            if (jwt.Audiences.Count == 0) errors.Add($"{AuthOptions.Section}:Jwt:Audiences is empty; name the audience Tally's tokens are issued for.");
            if (jwt.SigningKeyFiles.Count == 0) errors.Add($"{AuthOptions.Section}:Jwt:SigningKeyFiles is empty; list the issuer's public key files (PEM or JWKS).");
            foreach (var file in jwt.SigningKeyFiles)
            {
                try
                {
                    _ = JwtValidator.LoadKeys(file).ToList();
                }
                catch (InvalidOperationException e)
                {
                    errors.Add(e.Message);
                }
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
