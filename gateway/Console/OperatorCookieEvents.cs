using CommandGrid.Gateway.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;

namespace CommandGrid.Gateway.OpsConsole;

/// <summary>The operator cookie's refusals: the same answers as the bearer scheme's, in place of the handler's redirects.</summary>
internal sealed class OperatorCookieEvents(TokenService tokens) : CookieAuthenticationEvents
{
    public override Task RedirectToLogin(RedirectContext<CookieAuthenticationOptions> context)
    {
        var http = context.HttpContext;
        var name = context.Options.Cookie.Name!;
        var message = OperatorRefusal.NotLoggedIn;
        if (context.Options.CookieManager.GetRequestCookie(http, name) is { } cookie)
        {
            // An expired or foreign cookie is useless; dropping it keeps the browser from sending it again.
            context.Options.CookieManager.DeleteCookie(http, name, context.Options.Cookie.Build(http));
            message = tokens.Validate(cookie).Error ?? TokenValidationResult.InvalidCredentials;
        }
        return OperatorRefusal.WriteAsync(http, StatusCodes.Status401Unauthorized, message);
    }

    public override Task RedirectToAccessDenied(RedirectContext<CookieAuthenticationOptions> context) =>
        OperatorRefusal.WriteAsync(context.HttpContext, StatusCodes.Status403Forbidden, OperatorRefusal.NotAnOperator);
}
