using CommandGrid.Gateway.Commands;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CommandGrid.Gateway.OpsConsole;

/// <summary>
/// The commands console: /console (the page), /console/assets/* (its modules and styles),
/// /console/session (the operator's token for the page's own REST and WebSocket calls), all
/// behind the operator gate; and the login pages beside them.
/// </summary>
public static class ConsoleEndpoints
{
    public static WebApplication MapCommandGridConsole(this WebApplication app)
    {
        var assets = ConsoleAssets.Load();
        if (!assets.Contains("console.html") || !assets.Contains("login.css") || !assets.Contains("login.js"))
        {
            throw new InvalidOperationException("The console's assets are not embedded in the gateway assembly (see CommandGrid.Gateway.csproj).");
        }
        app.UseOperatorGate("/console");
        app.MapLogin();
        // Only the login page's own files are served outside the gate.
        app.MapGet("/login/assets/{name:regex(^login\\.)}", (HttpContext http, string name) => assets.ServeAsync(http, name));
        app.MapGet("/console", (HttpContext http) =>
        {
            http.Response.Headers.ContentSecurityPolicy = LoginEndpoints.SecurityPolicy;
            http.Response.Headers.XFrameOptions = "DENY";
            http.Response.Headers["Referrer-Policy"] = "same-origin";
            return assets.ServeAsync(http, "console.html");
        });
        app.MapGet("/console/assets/{name}", (HttpContext http, string name) => assets.ServeAsync(http, name));
        app.MapGet("/console/session", Session);
        return app;
    }

    /// <summary>
    /// The page's scripts cannot read the HttpOnly cookie, and a token must not ride in a URL, so
    /// they ask here: same-origin only (no CORS headers, and the cookie is SameSite=Strict), never
    /// cached. The token then lives in the page's memory for its Authorization headers and the
    /// WebSocket's authenticate message.
    /// </summary>
    private static IResult Session(HttpContext http)
    {
        var session = OperatorGate.SessionOf(http)
            ?? throw new InvalidOperationException("/console/session ran without the operator gate in front of it.");
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers.Pragma = "no-cache";
        return Results.Json(new
        {
            token = session.Token,
            userId = session.Payload.UserId,
            expiresAt = session.Payload.Expiration is { } ms ? WireTime.Iso(DateTimeOffset.FromUnixTimeMilliseconds(ms)) : null,
        });
    }
}
