using CommandGrid.Gateway.Rest;
using Microsoft.AspNetCore.Http;

namespace CommandGrid.Gateway.OpsConsole;

/// <summary>
/// How the operator pages (console, dashboard) refuse a request, whichever scheme refused it: a
/// browser without a login is sent to /login, a browser with a non-operator login gets the form
/// again with 403, any other client a JSON error (401 with WWW-Authenticate: Bearer, or 403).
/// </summary>
internal static class OperatorRefusal
{
    public const string NotLoggedIn = "Log in as an operator first";
    public const string NotAnOperator = "Access is denied: the console needs an operator token (its actions must include 0, every action)";

    public static async Task WriteAsync(HttpContext http, int status, string message)
    {
        var request = http.Request;
        var returnUrl = (request.PathBase + request.Path + request.QueryString).ToString();
        var browser = (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
            && request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase)
            && request.Headers.Authorization.Count == 0;
        http.Response.Headers.CacheControl = "no-store";
        if (browser && status == StatusCodes.Status401Unauthorized)
        {
            // Relative, unlike the cookie handler's own absolute redirect: the page stays on whatever host the browser used.
            http.Response.Redirect(LoginEndpoints.LoginPath(returnUrl));
            return;
        }
        if (browser)
        {
            await LoginEndpoints.WriteFormAsync(http, status, message, returnUrl);
            return;
        }
        http.Response.StatusCode = status;
        if (status == StatusCodes.Status401Unauthorized)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
        }
        await http.Response.WriteAsJsonAsync(RestError.Body(status, message));
    }
}
