using System.Security.Claims;
using System.Text.Json;

namespace CommandGrid.Gateway.Auth;

/// <summary>
/// A DeviceHive token's one claim, "payload" (a JSON object), on the principal that ASP.NET Core's
/// handlers build from it. Both JWT handlers hand a JSON-object claim over as its JSON text.
/// </summary>
public static class DeviceHiveClaims
{
    public const string Payload = "payload";

    /// <returns>The payload, or null when the principal carries none or it is not DeviceHive's shape.</returns>
    public static TokenPayload? PayloadOf(ClaimsPrincipal? principal)
    {
        if (principal?.FindFirst(Payload)?.Value is not { } json)
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<TokenPayload>(json) is { Actions: not null } payload ? payload : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The token of a request that passed the API or the operator policy.</summary>
    public static TokenPayload DeviceHiveToken(this ClaimsPrincipal user) =>
        PayloadOf(user) ?? throw new InvalidOperationException("No DeviceHive token on this request: the endpoint must require the API or the operator policy.");
}
