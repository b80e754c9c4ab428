using CommandGrid.Gateway.Auth;
using Microsoft.AspNetCore.Http;

namespace CommandGrid.Gateway.Rest;

/// <summary>Requires a valid access JWT in "Authorization: Bearer"; the payload is then available to the endpoint.</summary>
internal sealed class BearerTokenFilter(TokenService tokens) : IEndpointFilter
{
    private const string ItemKey = "commandgrid.token";

    public static TokenPayload PayloadOf(HttpContext context) => (TokenPayload)context.Items[ItemKey]!;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var header = context.HttpContext.Request.Headers.Authorization.ToString();
        var token = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
        var result = tokens.Validate(token);
        if (!result.IsValid)
        {
            context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
            return RestError.Of(401, token is null ? "Missing bearer token" : result.Error!);
        }
        context.HttpContext.Items[ItemKey] = result.Payload;
        return await next(context);
    }
}
