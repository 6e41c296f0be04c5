using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Tally.Access.V1;
using Tally.Grpc;

namespace Tally.Security.Tests;

/// <summary>The newsroom's identity provider, played here: an RSA key whose public half the host trusts, and tokens signed with it.</summary>
public sealed class JwtIssuer : IDisposable
{
    public const string Issuer = "https://id.newsroom.test";
    public const string Audience = "tally";

    public JwtIssuer()
    {
        File.WriteAllText(PublicKeyFile, Key.ExportSubjectPublicKeyInfoPem());
    }

    public RSA Key { get; } = RSA.Create(2048);

    public string PublicKeyFile { get; } = Path.Combine(Path.GetTempPath(), $"tally-jwt-{Guid.NewGuid():N}.pem");

    public string Sign(string subject, string[] roles, DateTime? expires = null, string audience = Audience, RSA? key = null)
    {
        var claims = new Dictionary<string, object> { ["preferred_username"] = subject + "@newsroom.test", ["roles"] = roles };
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience,
            Subject = new System.Security.Claims.ClaimsIdentity([new System.Security.Claims.Claim("sub", subject)]),
            Claims = claims,
            IssuedAt = (expires ?? now.AddHours(1)).AddHours(-2),
            NotBefore = (expires ?? now.AddHours(1)).AddHours(-2),
            Expires = expires ?? now.AddHours(1),
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(key ?? Key), SecurityAlgorithms.RsaSha256),
        });
    }

    public void Dispose()
    {
        Key.Dispose();
        File.Delete(PublicKeyFile);
    }
}

/// <summary>JWTs: accepted with the role their claim names; refused when expired, for another audience, signed by another key, or without a Tally role.</summary>
public sealed class JwtTests : IClassFixture<JwtTests.Host>
{
    private readonly Host _host;

    public JwtTests(Host host) => _host = host;

    public sealed class Host : IAsyncLifetime
    {
        public JwtIssuer Issuer { get; } = new();

        public SecuredTally Tally { get; } = new();

        public async Task InitializeAsync()
        {
            Tally.Settings["Tally:Auth:Jwt:Issuer"] = JwtIssuer.Issuer;
            Tally.Settings["Tally:Auth:Jwt:Audiences:0"] = JwtIssuer.Audience;
            Tally.Settings["Tally:Auth:Jwt:SigningKeyFiles:0"] = Issuer.PublicKeyFile;
            await Tally.InitializeAsync();
        }

        public async Task DisposeAsync()
        {
            await Tally.DisposeAsync();
            Issuer.Dispose();
        }
    }

    [Fact]
    public async Task ValidToken_IsThePersonWithTheClaimedRole()
    {
        var me = await _host.Tally.Access(_host.Issuer.Sign("u123", ["reader", "editor"])).WhoAmIAsync(new WhoAmIRequest());
        Assert.Equal(("jwt:" + JwtIssuer.Issuer + "|u123", "u123@newsroom.test", Role.Editor, "jwt"), (me.Subject, me.Name, me.Role, me.Method));
    }

    [Fact]
    public void Settings_AreBoundOnce_HoweverManyPartsOfTheHostAskForThem()
    {
        var options = (Microsoft.Extensions.Options.IOptions<AuthOptions>)_host.Tally.Services.GetService(typeof(Microsoft.Extensions.Options.IOptions<AuthOptions>))!;
        Assert.Equal([JwtIssuer.Audience], options.Value.Jwt.Audiences);
        Assert.Single(options.Value.Jwt.SigningKeyFiles);
    }

    [Fact]
    public async Task ExpiredToken_IsUnauthenticated_SayingWhen()
    {
        var token = _host.Issuer.Sign("u1", ["reader"], expires: DateTime.UtcNow.AddMinutes(-10));
        var e = await Assert.ThrowsAsync<RpcException>(() => _host.Tally.Access(token).WhoAmIAsync(new WhoAmIRequest()));
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        Assert.Contains("expired", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokenForAnotherAudience_IsUnauthenticated_NamingIt()
    {
        var token = _host.Issuer.Sign("u1", ["reader"], audience: "payroll");
        var e = await Assert.ThrowsAsync<RpcException>(() => _host.Tally.Access(token).WhoAmIAsync(new WhoAmIRequest()));
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        Assert.Contains("'payroll'", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokenSignedByAnotherKey_IsUnauthenticated()
    {
        using var other = RSA.Create(2048);
        var e = await Assert.ThrowsAsync<RpcException>(() => _host.Tally.Access(_host.Issuer.Sign("u1", ["admin"], key: other)).WhoAmIAsync(new WhoAmIRequest()));
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        Assert.Contains("signature", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokenWithoutATallyRole_IsPermissionDenied_ListingWhatItHad()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => _host.Tally.Access(_host.Issuer.Sign("u1", ["superuser"])).WhoAmIAsync(new WhoAmIRequest()));
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Contains("superuser", e.Status.Detail, StringComparison.Ordinal);
    }
}
