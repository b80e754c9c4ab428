namespace CommandGrid.Gateway.Auth;

/// <summary>Configuration section "Auth".</summary>
public sealed class AuthOptions
{
    /// <summary>The HS256 secret (at least 32 bytes). When empty, a random one is made and kept in <see cref="SecretFile"/>.</summary>
    public string? JwtSecret { get; set; }

    /// <summary>Where a generated secret is kept so tokens outlive restarts.</summary>
    public string SecretFile { get; set; } = "data/jwt-secret";

    public int AccessTokenLifetimeMinutes { get; set; } = 30;

    public int RefreshTokenLifetimeDays { get; set; } = 180;
}
