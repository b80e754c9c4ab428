using System.Security.Claims;
using Microsoft.IdentityModel.Tokens;

namespace CommandGrid.Gateway.Auth;

/// <summary>A token checked: its payload and principal, or why it was refused ("Invalid credentials", "Token expired").</summary>
public sealed record TokenValidationResult(TokenPayload? Payload, string? Error, ClaimsPrincipal? Principal = null)
{
    public const string InvalidCredentials = "Invalid credentials";
    public const string Expired = "Token expired";

    public bool IsValid => Payload is not null;

    /// <summary>
    /// What a client is told about a refused token. Only expiry is worth telling apart (the client
    /// mints a new token); a bad signature, a malformed token or the wrong kind all read the same, so
    /// that a refusal teaches a forger nothing.
    /// </summary>
    public static string MessageFor(Exception failure) => failure is SecurityTokenExpiredException ? Expired : InvalidCredentials;
}
