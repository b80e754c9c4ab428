using CommandGrid.Gateway.OpsConsole;
using CommandGrid.Gateway.Rest;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CommandGrid.Gateway.Auth;

/// <summary>
/// Who may call what, on ASP.NET Core's handlers. The REST API takes a DeviceHive access token as a
/// JWT bearer token (policy <see cref="ApiPolicy"/>, endpoints add their DeviceHive action). The
/// operator pages (console, dashboard; policy <see cref="OperatorPolicy"/>) take the same token as a
/// bearer token or from the login cookie, and need action 0 (every action): DeviceHive has no
/// operator role, and a token that may do everything is the one an operations page may safely
/// assume can see everything it shows; its device and network scopes still limit the page's own
/// REST and WebSocket calls.
/// </summary>
public static class GridAuthentication
{
    public const string ApiPolicy = "DeviceHiveApi";
    public const string OperatorPolicy = "Operator";

    /// <summary>The REST API's bearer tokens (also what the WebSocket upgrade authenticates with).</summary>
    public const string ApiScheme = JwtBearerDefaults.AuthenticationScheme;

    /// <summary>Picks <see cref="OperatorBearerScheme"/> when the request has an Authorization header, else <see cref="OperatorCookieScheme"/>.</summary>
    public const string OperatorScheme = "Operator";
    public const string OperatorBearerScheme = "OperatorBearer";
    public const string OperatorCookieScheme = "OperatorCookie";

    public const string CookieName = "cg_operator";
    public const string LoginPath = "/login";
    public const string LogoutPath = "/logout";

    public static IServiceCollection AddCommandGridAuthentication(this IServiceCollection services)
    {
        services.AddSingleton<ApiBearerEvents>();
        services.AddSingleton<OperatorBearerEvents>();
        services.AddSingleton<OperatorCookieEvents>();
        services.AddSingleton<IAuthorizationHandler, DeviceHiveActionHandler>();
        services.AddAuthentication()
            .AddJwtBearer(ApiScheme, o => o.EventsType = typeof(ApiBearerEvents))
            .AddJwtBearer(OperatorBearerScheme, o => o.EventsType = typeof(OperatorBearerEvents))
            .AddCookie(OperatorCookieScheme, o =>
            {
                o.Cookie.Name = CookieName;
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.LoginPath = LoginPath;
                o.LogoutPath = LogoutPath;
                o.ReturnUrlParameter = "returnUrl";
                // The cookie lives exactly as long as the token inside it.
                o.SlidingExpiration = false;
                o.EventsType = typeof(OperatorCookieEvents);
            })
            // A header means a script or curl: its token decides, a cookie alongside it does not.
            .AddPolicyScheme(OperatorScheme, displayName: null, o => o.ForwardDefaultSelector = http =>
                http.Request.Headers.Authorization.Count > 0 ? OperatorBearerScheme : OperatorCookieScheme);
        foreach (var scheme in new[] { ApiScheme, OperatorBearerScheme })
        {
            services.AddOptions<JwtBearerOptions>(scheme).Configure<TokenService>((o, tokens) =>
            {
                o.TokenValidationParameters = tokens.ValidationParameters();
                o.MapInboundClaims = false;
                // The console's session endpoint hands an operator's bearer token back to the page.
                o.SaveToken = true;
            });
        }
        services.AddOptions<CookieAuthenticationOptions>(OperatorCookieScheme).Configure<TokenService>((o, tokens) =>
            o.TicketDataFormat = new OperatorTicketFormat(tokens, OperatorCookieScheme));
        // Authentication brings ASP.NET Core's Data Protection, which makes a key ring at start and warns that it is
        // stored unencrypted. The grid protects nothing with it: the operator cookie is the signed token itself (above),
        // and the login form is checked by its Origin, not an antiforgery token. Its warnings would say nothing true.
        services.AddLogging(logging => logging.AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error));
        services.AddAuthorizationBuilder()
            .AddPolicy(ApiPolicy, policy => policy.AddAuthenticationSchemes(ApiScheme).RequireAuthenticatedUser())
            .AddPolicy(OperatorPolicy, policy => policy.AddAuthenticationSchemes(OperatorScheme).RequireAuthenticatedUser()
                .AddRequirements(new DeviceHiveActionRequirement(DeviceHiveAction.Any)));
        return services;
    }
}
