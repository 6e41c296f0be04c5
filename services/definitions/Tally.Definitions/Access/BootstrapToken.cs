using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tally.Access.V1;
using Tally.Security;
using Tally.Storage;

namespace Tally.Definitions.Access;

/// <summary>
/// The way to the first admin key. While no admin key exists, a one-time token ("tly_bootstrap_…") is accepted as
/// admin for CreateApiKey (and WhoAmI) only. It is Tally:Auth:BootstrapToken when set (a Secret in a cluster);
/// otherwise a random one written to Tally:Auth:BootstrapTokenFile (mode 0600) at start, and the log says how to
/// use it — never the token itself. Once an admin key exists the token stops working and the file is deleted.
/// </summary>
public sealed partial class BootstrapToken(ApiKeyStore store, IOptions<AuthOptions> auth, IOptions<StorageOptions> storage,
    ILogger<BootstrapToken> logger) : IHostedService
{
    private volatile string? _secret;
    private volatile bool _closed;

    /// <summary>The file the generated token is written to.</summary>
    public string FilePath => Path.GetFullPath(Path.Combine(storage.Value.DataDirectory, auth.Value.BootstrapTokenFile));

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (await store.AnyActiveAdminAsync(cancellationToken))
        {
            Close();
            return;
        }

        if (auth.Value.BootstrapToken is { Length: > 0 } configured)
        {
            _secret = configured.StartsWith(ApiKeySecrets.Prefix + ApiKeySecrets.BootstrapKeyId + "_", StringComparison.Ordinal)
                ? configured
                : ApiKeySecrets.Prefix + ApiKeySecrets.BootstrapKeyId + "_" + configured;
            LogConfigured(logger);
            return;
        }

        var secret = ApiKeySecrets.Compose(ApiKeySecrets.BootstrapKeyId);
        var file = FilePath;
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var fileOptions = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite; // only the service's own user may read it
        }

        await using (var stream = new FileStream(file, fileOptions))
        await using (var writer = new StreamWriter(stream))
        {
            await writer.WriteLineAsync(secret);
        }

        _secret = secret;
        LogGenerated(logger, file);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Checks a presented bootstrap token.</summary>
    public async ValueTask<AuthResult> CheckAsync(string presented, CancellationToken ct)
    {
        var secret = _secret;
        if (_closed || secret is null)
        {
            return AuthResult.Unauthenticated("revoked", "The bootstrap token works only until the first admin key exists, and one does. Use an admin key.");
        }

        if (!ApiKeySecrets.SameSecret(presented, secret))
        {
            return AuthResult.Unauthenticated("unknown_key", AuthMessages.UnknownKey(presented));
        }

        if (await store.AnyActiveAdminAsync(ct))
        {
            Close();
            return AuthResult.Unauthenticated("revoked", "The bootstrap token works only until the first admin key exists, and one does. Use an admin key.");
        }

        return AuthResult.Ok(new CallerIdentity("bootstrap", "bootstrap", Role.Admin, "bootstrap-token"));
    }

    /// <summary>Called after an admin key was created: the token stops working and its file is deleted.</summary>
    public void Close()
    {
        _closed = true;
        _secret = null;
        try
        {
            if (File.Exists(FilePath)) File.Delete(FilePath);
        }
        catch (IOException e)
        {
            LogDeleteFailed(logger, FilePath, e.Message);
        }
        catch (UnauthorizedAccessException e)
        {
            LogDeleteFailed(logger, FilePath, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "No admin API key exists yet. Create the first one with: ./tally keys create --name YOUR-NAME --role admin --token \"$(cat {File})\" " +
                  "(the token in that file works once, for this, and is deleted when an admin key exists)")]
    private static partial void LogGenerated(ILogger logger, string file);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "No admin API key exists yet. Create the first one with ./tally keys create --name YOUR-NAME --role admin --token tly_bootstrap_<the value of Tally:Auth:BootstrapToken>")]
    private static partial void LogConfigured(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not delete the used bootstrap token file {File}: {Error}")]
    private static partial void LogDeleteFailed(ILogger logger, string file, string error);
}
