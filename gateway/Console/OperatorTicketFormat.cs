using CommandGrid.Gateway.Auth;
using Microsoft.AspNetCore.Authentication;

namespace CommandGrid.Gateway.OpsConsole;

/// <summary>
/// The operator cookie holds the access token itself, not a Data Protection ticket: the token is
/// already signed by the grid's secret and dies at its own expiry, and every silo and gateway that
/// shares Auth:JwtSecret reads it without sharing a key ring. Reading it is validating it.
/// </summary>
internal sealed class OperatorTicketFormat(TokenService tokens, string scheme) : ISecureDataFormat<AuthenticationTicket>
{
    /// <summary>The name ASP.NET Core's handlers store a request's token under (JwtBearerOptions.SaveTokens too).</summary>
    public const string TokenName = "access_token";

    /// <summary>A login's properties: the token, and a cookie that expires with it (a browser-session cookie for a token without expiry).</summary>
    public static AuthenticationProperties PropertiesFor(string token, TokenPayload payload)
    {
        var expires = payload.Expiration is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : (DateTimeOffset?)null;
        var properties = new AuthenticationProperties { ExpiresUtc = expires, IsPersistent = expires is not null };
        properties.StoreTokens([new AuthenticationToken { Name = TokenName, Value = token }]);
        return properties;
    }

    public string Protect(AuthenticationTicket data) => Protect(data, purpose: null);

    public string Protect(AuthenticationTicket data, string? purpose) =>
        data.Properties.GetTokenValue(TokenName)
        ?? throw new InvalidOperationException($"An operator sign-in must carry its access token ({nameof(PropertiesFor)}).");

    public AuthenticationTicket? Unprotect(string? protectedText) => Unprotect(protectedText, purpose: null);

    public AuthenticationTicket? Unprotect(string? protectedText, string? purpose)
    {
        var result = tokens.Validate(protectedText);
        return result.IsValid ? new AuthenticationTicket(result.Principal!, PropertiesFor(protectedText!, result.Payload!), scheme) : null;
    }
}
