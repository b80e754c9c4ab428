using CommandGrid.Gateway.Auth;
using CommandGrid.Gateway.Rest;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

// Not "...Gateway.Console": a namespace by that name would hide System.Console from all gateway code.
namespace CommandGrid.Gateway.OpsConsole;

/// <summary>
/// Lets only operators through to the paths it guards (the console, later the Orleans Dashboard).
/// An operator is an access token whose actions hold 0 ("*", every action): DeviceHive has no
/// operator role, and a token that may do everything is the one thing an operations page may
/// safely assume can see everything the page shows. Its device/network scopes still apply to the
/// REST and WebSocket calls the page makes.
/// The token comes from "Authorization: Bearer" (scripts, curl) or else from the login cookie.
/// </summary>
public sealed class OperatorGate(RequestDelegate next, TokenService tokens, PathString[] prefixes)
{
    public const string CookieName = "cg_operator";
    private const string ItemKey = "commandgrid.operator";

    public static bool IsOperator(TokenPayload payload) => payload.Actions.Contains((int)DeviceHiveAction.Any);

    /// <summary>The operator's token and payload, once the gate let the request through.</summary>
    public static OperatorSession? SessionOf(HttpContext http) => http.Items[ItemKey] as OperatorSession;

    public async Task InvokeAsync(HttpContext http)
    {
        if (!prefixes.Any(prefix => http.Request.Path.StartsWithSegments(prefix)))
        {
            await next(http);
            return;
        }
        var header = http.Request.Headers.Authorization.ToString();
        var fromHeader = header.Length > 0;
        var token = fromHeader
            ? (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null)
            : http.Request.Cookies[CookieName];
        var result = tokens.Validate(token);
        if (!result.IsValid)
        {
            if (!fromHeader && token is not null)
            {
                // An expired or foreign cookie is useless; dropping it keeps the browser from sending it again.
                http.Response.Cookies.Delete(CookieName, LoginEndpoints.CookieOptions(http, expires: null));
            }
            await RefuseAsync(http, 401, token is null ? "Log in as an operator first" : result.Error!);
            return;
        }
        if (!IsOperator(result.Payload!))
        {
            await RefuseAsync(http, 403, "Access is denied: the console needs an operator token (its actions must include 0, every action)");
            return;
        }
        http.Items[ItemKey] = new OperatorSession(token!, result.Payload!);
        await next(http);
    }

    private static async Task RefuseAsync(HttpContext http, int status, string message)
    {
        var request = http.Request;
        var browser = (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
            && request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase)
            && request.Headers.Authorization.Count == 0;
        http.Response.Headers.CacheControl = "no-store";
        if (browser && status == 401)
        {
            http.Response.Redirect(LoginEndpoints.LoginPath(request.PathBase + request.Path + request.QueryString));
            return;
        }
        http.Response.StatusCode = status;
        if (browser)
        {
            await LoginEndpoints.WriteFormAsync(http, status, message, (request.PathBase + request.Path + request.QueryString).ToString());
            return;
        }
        if (status == 401)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
        }
        await http.Response.WriteAsJsonAsync(new { error = new { code = RestError.CodeFor(status), message } });
    }
}

/// <summary>The token an operator's request came with, and what it allows.</summary>
public sealed record OperatorSession(string Token, TokenPayload Payload);

public static class OperatorGateExtensions
{
    /// <summary>
    /// Guards every path under the given prefixes (e.g. app.UseOperatorGate("/console", "/dashboard")):
    /// a browser without a valid operator login is sent to /login, an API call gets 401, a valid
    /// token that is not an operator's gets 403. Call it before the guarded endpoints run.
    /// </summary>
    public static IApplicationBuilder UseOperatorGate(this IApplicationBuilder app, params string[] prefixes)
    {
        if (prefixes.Length == 0 || prefixes.Any(p => !p.StartsWith('/') || p.Length < 2))
        {
            throw new ArgumentException("Give at least one path prefix such as \"/console\" (starting with '/', not the root).", nameof(prefixes));
        }
        var paths = prefixes.Select(p => new PathString(p.TrimEnd('/'))).ToArray();
        return app.Use(next => new OperatorGate(next, app.ApplicationServices.GetRequiredService<TokenService>(), paths).InvokeAsync);
    }
}
