using System.Text.Encodings.Web;
using CommandGrid.Gateway.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CommandGrid.Gateway.OpsConsole;

/// <summary>
/// The operator login: GET /login shows a form taking a token, POST /login checks it and signs in
/// on the operator cookie scheme (cookie cg_operator), POST /logout signs out. Tokens travel in form
/// bodies and cookies only, never in a URL, where logs, history and Referer headers would keep them.
/// </summary>
internal static class LoginEndpoints
{
    public const string DefaultReturnUrl = "/console";
    private const int MaxTokenLength = 8192;

    /// <summary>The page the browser ends up on: a form the page submits itself, so only same-origin posts are honoured.</summary>
    internal const string SecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

    public static IEndpointRouteBuilder MapLogin(this IEndpointRouteBuilder app)
    {
        app.MapGet(GridAuthentication.LoginPath, (HttpContext http, string? returnUrl) => WriteFormAsync(http, 200, null, returnUrl));
        app.MapPost(GridAuthentication.LoginPath, LoginAsync).DisableAntiforgery();
        app.MapPost(GridAuthentication.LogoutPath, LogoutAsync).DisableAntiforgery();
        return app;
    }

    public static string LoginPath(string returnUrl) =>
        GridAuthentication.LoginPath + "?returnUrl=" + Uri.EscapeDataString(returnUrl);

    /// <summary>Only a path on this site: "//host" and "/\host" are other sites to a browser, and a scheme is never local.</summary>
    public static bool IsLocal(string? url) =>
        url is { Length: > 0 }
        && url[0] == '/'
        && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'))
        && !url.Any(char.IsControl);

    private static async Task LoginAsync(HttpContext http, TokenService tokens, IAuthorizationService authorization)
    {
        if (!SameOrigin(http))
        {
            await WriteFormAsync(http, 403, "The login form must be sent from this site", null);
            return;
        }
        if (!http.Request.HasFormContentType)
        {
            await WriteFormAsync(http, 400, "Send the login form (application/x-www-form-urlencoded)", null);
            return;
        }
        IFormCollection form;
        try
        {
            form = await http.Request.ReadFormAsync(http.RequestAborted);
        }
        catch (Exception e) when (e is InvalidDataException or IOException && !http.RequestAborted.IsCancellationRequested)
        {
            // A form body that does not parse (a multipart body without its boundaries or cut short, a section too
            // large) is the client's error, as a broken JSON body is on the REST API. BadHttpRequestException is an
            // IOException that carries its own status (413 for a body past Kestrel's limit).
            await WriteFormAsync(http, e is BadHttpRequestException bad ? bad.StatusCode : 400, "The login form could not be read: " + e.Message, null);
            return;
        }
        var returnUrl = form["returnUrl"].ToString();
        var token = form["token"].ToString().Trim();
        if (token.Length == 0)
        {
            await WriteFormAsync(http, 401, "Paste an access token", returnUrl);
            return;
        }
        if (token.Length > MaxTokenLength)
        {
            await WriteFormAsync(http, 401, $"That is not a token: longer than {MaxTokenLength} characters", returnUrl);
            return;
        }
        var result = tokens.Validate(token);
        if (!result.IsValid)
        {
            var reason = result.Error == TokenValidationResult.Expired ? "This token has expired; mint a new one" : "Invalid credentials: not an access token signed by this grid";
            await WriteFormAsync(http, 401, reason, returnUrl);
            return;
        }
        // The same policy the operator pages require, so a login never succeeds into a 403.
        if (!(await authorization.AuthorizeAsync(result.Principal!, GridAuthentication.OperatorPolicy)).Succeeded)
        {
            await WriteFormAsync(http, 403, "This token is valid but not an operator's: its actions must include 0 (every action)", returnUrl);
            return;
        }
        var properties = OperatorTicketFormat.PropertiesFor(token, result.Payload!);
        properties.RedirectUri = IsLocal(returnUrl) ? returnUrl : DefaultReturnUrl;
        // On its LoginPath the cookie handler answers the sign-in itself: the cookie, no-cache headers and the redirect to RedirectUri.
        await http.SignInAsync(GridAuthentication.OperatorCookieScheme, result.Principal!, properties);
    }

    private static async Task LogoutAsync(HttpContext http)
    {
        if (!SameOrigin(http))
        {
            await WriteFormAsync(http, 403, "Log out from this site's own page", null);
            return;
        }
        // On its LogoutPath the handler drops the cookie and redirects to RedirectUri.
        await http.SignOutAsync(GridAuthentication.OperatorCookieScheme, new AuthenticationProperties { RedirectUri = GridAuthentication.LoginPath });
    }

    /// <summary>
    /// A browser names the page a POST came from in Origin; one from another site is refused so that
    /// no page elsewhere can log a visitor in or out (SameSite already keeps the cookie from being sent).
    /// Clients that send no Origin (curl) are not browsers carrying someone else's cookie. The pages
    /// use Referrer-Policy same-origin, not no-referrer, under which the browser would send "null".
    /// </summary>
    private static bool SameOrigin(HttpContext http)
    {
        var origin = http.Request.Headers.Origin.ToString();
        if (origin.Length == 0)
        {
            return true;
        }
        return Uri.TryCreate(origin, UriKind.Absolute, out var uri)
            && string.Equals(uri.Scheme, http.Request.Scheme, StringComparison.OrdinalIgnoreCase)
            && string.Equals(uri.Authority, http.Request.Host.Value, StringComparison.OrdinalIgnoreCase);
    }

    public static async Task WriteFormAsync(HttpContext http, int status, string? error, string? returnUrl)
    {
        var html = HtmlEncoder.Default;
        var target = IsLocal(returnUrl) ? returnUrl! : DefaultReturnUrl;
        var errorBlock = error is null ? "" : $"""<p class="error" role="alert" id="login-error">{html.Encode(error)}</p>""";
        http.Response.StatusCode = status;
        http.Response.ContentType = "text/html; charset=utf-8";
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers.ContentSecurityPolicy = SecurityPolicy;
        http.Response.Headers.XFrameOptions = "DENY";
        http.Response.Headers["Referrer-Policy"] = "same-origin";
        await http.Response.WriteAsync($$"""
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Log in · CommandGrid</title>
            <link rel="icon" href="/favicon.svg" type="image/svg+xml">
            <link rel="stylesheet" href="/login/assets/login.css">
            <script type="module" src="/login/assets/login.js"></script>
            </head>
            <body>
            <main class="login">
            <h1>CommandGrid</h1>
            <p>Operators log in with an access token whose actions include 0 (every action).
            Mint one on the node with <code>dotnet run --project silo -- token</code>.</p>
            {{errorBlock}}
            <form method="post" action="/login" autocomplete="off">
            <input type="hidden" name="returnUrl" value="{{html.Encode(target)}}">
            <label for="token">Access token</label>
            <input id="token" name="token" type="password" required spellcheck="false" autocapitalize="off" autofocus>
            <button type="submit">Log in</button>
            </form>
            </main>
            </body>
            </html>
            """, http.RequestAborted);
    }
}
