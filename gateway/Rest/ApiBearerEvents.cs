using CommandGrid.Gateway.Auth;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;

namespace CommandGrid.Gateway.Rest;

/// <summary>The REST API's refusals in its own error body: 401 for a missing or refused token, 403 for a missing action.</summary>
internal sealed class ApiBearerEvents(TokenService tokens) : DeviceHiveBearerEvents(tokens)
{
    public const string MissingToken = "Missing bearer token";
    public const string AccessDenied = "Access is denied";

    public override Task Challenge(JwtBearerChallengeContext context)
    {
        // The handler's own answer would describe the failure in WWW-Authenticate; the body says it instead.
        context.HandleResponse();
        context.Response.Headers.WWWAuthenticate = JwtBearerDefaults.AuthenticationScheme;
        return RestError.Of(StatusCodes.Status401Unauthorized, RefusalOf(context) ?? MissingToken).ExecuteAsync(context.HttpContext);
    }

    public override Task Forbidden(ForbiddenContext context) =>
        RestError.Of(StatusCodes.Status403Forbidden, AccessDenied).ExecuteAsync(context.HttpContext);
}
