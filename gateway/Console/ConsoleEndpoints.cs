using System.Security.Claims;
using CommandGrid.Gateway.Auth;
using CommandGrid.Gateway.Commands;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CommandGrid.Gateway.OpsConsole;

/// <summary>
/// The commands console: /console (the page), /console/assets/* (its modules and styles),
/// /console/session (the operator's token for the page's own REST and WebSocket calls), all
/// behind the operator policy; and the login pages beside them.
/// </summary>
public static class ConsoleEndpoints
{
    private const string Favicon = "favicon.svg";

    public static WebApplication MapCommandGridConsole(this WebApplication app)
    {
        var assets = ConsoleAssets.Load();
        if (!assets.Contains("console.html") || !assets.Contains("login.css") || !assets.Contains("login.js") || !assets.Contains(Favicon))
        {
            throw new InvalidOperationException("The console's assets are not embedded in the gateway assembly (see CommandGrid.Gateway.csproj).");
        }
        app.MapLogin();
        // Only the login page's own files and the site's icon are served outside the operator policy.
        app.MapGet("/login/assets/{name:regex(^login\\.)}", (HttpContext http, string name) => assets.ServeAsync(http, name));
        // Browsers ask for /favicon.ico on every page; the pages name the SVG, and the old name gets the same icon.
        app.MapGet("/favicon.svg", (HttpContext http) => assets.ServeAsync(http, Favicon));
        app.MapGet("/favicon.ico", (HttpContext http) => assets.ServeAsync(http, Favicon));
        // A browser pointed at the node's address lands on the console (or its login, through the operator policy).
        app.MapGet("/", () => Results.Redirect("/console"));
        var console = app.MapGroup("/console").RequireAuthorization(GridAuthentication.OperatorPolicy);
        console.MapGet("/", (HttpContext http) =>
        {
            http.Response.Headers.ContentSecurityPolicy = LoginEndpoints.SecurityPolicy;
            http.Response.Headers.XFrameOptions = "DENY";
            http.Response.Headers["Referrer-Policy"] = "same-origin";
            return assets.ServeAsync(http, "console.html");
        });
        console.MapGet("/assets/{name}", (HttpContext http, string name) => assets.ServeAsync(http, name));
        console.MapGet("/session", SessionAsync);
        return app;
    }

    /// <summary>
    /// The page's scripts cannot read the HttpOnly cookie, and a token must not ride in a URL, so
    /// they ask here: same-origin only (no CORS headers, and the cookie is SameSite=Strict), never
    /// cached. The token then lives in the page's memory for its Authorization headers and the
    /// WebSocket's authenticate message.
    /// </summary>
    private static async Task<IResult> SessionAsync(HttpContext http, ClaimsPrincipal user)
    {
        var token = await http.GetTokenAsync(GridAuthentication.OperatorScheme, OperatorTicketFormat.TokenName)
            ?? throw new InvalidOperationException("/console/session ran without the operator policy in front of it.");
        var payload = user.DeviceHiveToken();
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers.Pragma = "no-cache";
        return Results.Json(new
        {
            token,
            userId = payload.UserId,
            expiresAt = payload.Expiration is { } ms ? WireTime.Iso(DateTimeOffset.FromUnixTimeMilliseconds(ms)) : null,
        });
    }
}
