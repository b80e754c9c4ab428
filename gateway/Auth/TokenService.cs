using System.IdentityModel.Tokens.Jwt;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace CommandGrid.Gateway.Auth;

/// <summary>Mints and checks DeviceHive-shaped JWTs (HS256, claim "payload").</summary>
public sealed class TokenService
{
    private static readonly JsonSerializerOptions PayloadJson = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    private readonly SymmetricSecurityKey _key;
    private readonly AuthOptions _options;
    private readonly TimeProvider _clock;
    private readonly JwtSecurityTokenHandler _handler = new() { MapInboundClaims = false };

    public TokenService(IOptions<AuthOptions> options, TimeProvider clock)
    {
        _options = options.Value;
        _clock = clock;
        _key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(ResolveSecret(_options)));
    }

    public string Create(TokenPayload payload)
    {
        var claim = JsonSerializer.Deserialize<Dictionary<string, object>>(JsonSerializer.Serialize(payload, PayloadJson))!;
        var token = new JwtSecurityToken(new JwtHeader(new SigningCredentials(_key, SecurityAlgorithms.HmacSha256)), new JwtPayload { ["payload"] = claim });
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

    public TokenValidationResult Validate(string? token, int expectedType = TokenPayload.Access)
    {
        if (string.IsNullOrWhiteSpace(token))
        {
            return new(null, "Invalid credentials");
        }
        try
        {
            _handler.ValidateToken(token, new TokenValidationParameters
            {
                IssuerSigningKey = _key,
                ValidateIssuerSigningKey = true,
                ValidateIssuer = false,
                ValidateAudience = false,
                ValidateLifetime = false,
                ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            }, out var validated);
            var jwt = (JwtSecurityToken)validated;
            if (!jwt.Payload.TryGetValue("payload", out var raw) || raw is null)
            {
                return new(null, "Invalid credentials");
            }
            var payload = JsonSerializer.Deserialize<TokenPayload>(JsonSerializer.Serialize(raw));
            if (payload is null || payload.Actions is null || payload.TokenType != expectedType)
            {
                return new(null, "Invalid credentials");
            }
            if (payload.Expiration is { } expires && expires <= _clock.GetUtcNow().ToUnixTimeMilliseconds())
            {
                return new(null, "Token expired");
            }
            return new(payload, null);
        }
        catch (Exception e) when (e is SecurityTokenException or ArgumentException or JsonException or InvalidCastException)
        {
            return new(null, "Invalid credentials");
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
