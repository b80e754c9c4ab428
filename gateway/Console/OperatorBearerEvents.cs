using CommandGrid.Gateway.Auth;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;

namespace CommandGrid.Gateway.OpsConsole;

/// <summary>An operator page reached with "Authorization: Bearer" (scripts, curl): the operator pages' refusals.</summary>
internal sealed class OperatorBearerEvents(TokenService tokens) : DeviceHiveBearerEvents(tokens)
{
    public override Task Challenge(JwtBearerChallengeContext context)
    {
        context.HandleResponse();
        return OperatorRefusal.WriteAsync(context.HttpContext, StatusCodes.Status401Unauthorized, RefusalOf(context) ?? OperatorRefusal.NotLoggedIn);
    }

    public override Task Forbidden(ForbiddenContext context) =>
        OperatorRefusal.WriteAsync(context.HttpContext, StatusCodes.Status403Forbidden, OperatorRefusal.NotAnOperator);
}
