using System.IdentityModel.Tokens.Jwt;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace CommandGrid.Gateway.Auth;

/// <summary>
/// Mints DeviceHive-shaped JWTs (HS256, claim "payload") and defines how every door checks one:
/// the JWT bearer handlers (REST, console, dashboard) take <see cref="ValidationParameters"/> and
/// <see cref="Accept"/>; doors that receive a token inside a message (the WebSocket's authenticate
/// and token/refresh, an MQTT password, the login form, the operator cookie) call <see cref="Validate"/>,
/// which is the same two steps.
/// </summary>
public sealed class TokenService
{
    private static readonly JsonSerializerOptions PayloadJson = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    private readonly SymmetricSecurityKey _key;
    private readonly AuthOptions _options;
    private readonly TimeProvider _clock;
    private readonly TokenValidationParameters _parameters;
    private readonly JwtSecurityTokenHandler _handler = new() { MapInboundClaims = false };

    public TokenService(IOptions<AuthOptions> options, TimeProvider clock)
    {
        _options = options.Value;
        _clock = clock;
        _key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(ResolveSecret(_options)));
        _parameters = ValidationParameters();
    }

    public string Create(TokenPayload payload)
    {
        var claim = JsonSerializer.Deserialize<Dictionary<string, object>>(JsonSerializer.Serialize(payload, PayloadJson))!;
        var token = new JwtSecurityToken(new JwtHeader(new SigningCredentials(_key, SecurityAlgorithms.HmacSha256)), new JwtPayload { [DeviceHiveClaims.Payload] = claim });
        return _handler.WriteToken(token);
    }

    /// <summary>An access token and a refresh token for the same scopes.</summary>
    public (string Access, string Refresh) CreatePair(TokenPayload payload)
    {
        var now = _clock.GetUtcNow();
        var access = payload with { TokenType = TokenPayload.Access, Expiration = payload.Expiration ?? now.AddMinutes(_options.AccessTokenLifetimeMinutes).ToUnixTimeMilliseconds() };
        var refresh = payload with { TokenType = TokenPayload.Refresh, Expiration = now.AddDays(_options.RefreshTokenLifetimeDays).ToUnixTimeMilliseconds() };
        return (Create(access), Create(refresh));
    }

    /// <summary>
    /// The signature check: HS256 with this grid's secret and no other algorithm. DeviceHive tokens
    /// carry no issuer, audience or "exp" (their expiry is "e" inside the payload), so the standard
    /// lifetime check is off and <see cref="Accept"/> does it. A new instance per call: handlers own theirs.
    /// </summary>
    public TokenValidationParameters ValidationParameters() => new()
    {
        IssuerSigningKey = _key,
        ValidateIssuerSigningKey = true,
        ValidateIssuer = false,
        ValidateAudience = false,
        ValidateLifetime = false,
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
    };

    /// <summary>What a valid signature cannot vouch for: the DeviceHive payload is there, of the expected kind, and not expired.</summary>
    /// <exception cref="SecurityTokenExpiredException">The payload's "e" has passed.</exception>
    /// <exception cref="SecurityTokenValidationException">No DeviceHive payload, or a refresh token where an access token is due (or the reverse).</exception>
    public TokenPayload Accept(ClaimsPrincipal principal, int expectedType = TokenPayload.Access)
    {
        var payload = DeviceHiveClaims.PayloadOf(principal)
            ?? throw new SecurityTokenValidationException("The token has no DeviceHive payload.");
        if (payload.TokenType != expectedType)
        {
            throw new SecurityTokenValidationException(expectedType == TokenPayload.Access ? "A refresh token is not an access token." : "An access token is not a refresh token.");
        }
        var now = _clock.GetUtcNow();
        if (payload.HasExpiredAt(now))
        {
            throw new SecurityTokenExpiredException("The token expired.") { Expires = DateTimeOffset.FromUnixTimeMilliseconds(payload.Expiration!.Value).UtcDateTime };
        }
        return payload;
    }

    /// <summary>A token given as a string: <see cref="ValidationParameters"/>, then <see cref="Accept"/>.</summary>
    public TokenValidationResult Validate(string? token, int expectedType = TokenPayload.Access)
    {
        if (string.IsNullOrWhiteSpace(token))
        {
            return new(null, TokenValidationResult.InvalidCredentials);
        }
        try
        {
            var principal = _handler.ValidateToken(token, _parameters, out _);
            return new(Accept(principal, expectedType), null, principal);
        }
        catch (Exception e) when (e is SecurityTokenException or ArgumentException)
        {
            return new(null, TokenValidationResult.MessageFor(e));
        }
    }

    private static string ResolveSecret(AuthOptions options)
    {
        if (!string.IsNullOrEmpty(options.JwtSecret))
        {
            return Encoding.UTF8.GetByteCount(options.JwtSecret) >= 32
                ? options.JwtSecret
                : throw new InvalidOperationException("Auth:JwtSecret must be at least 32 bytes for HS256.");
        }
        if (File.Exists(options.SecretFile))
        {
            return File.ReadAllText(options.SecretFile).Trim();
        }
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(options.SecretFile))!);
        File.WriteAllText(options.SecretFile, secret);
        return secret;
    }
}
