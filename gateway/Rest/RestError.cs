using CommandGrid.Gateway.Operations;
using CommandGrid.Gateway.Rest.Wire;
using CommandGrid.Metrics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.DependencyInjection;

namespace CommandGrid.Gateway.Rest;

/// <summary>The REST error body: {"error": {"code": "...", "message": "..."}} with its HTTP status.</summary>
public static class RestError
{
    /// <summary>The error as a result; when it is written, a 4xx counts as the REST door's refusal on the request's host.</summary>
    public static IResult Of(int status, string message) =>
        new CountedError(status, Results.Json(Body(status, message), statusCode: status));

    /// <summary>The body alone, for the answers written outside an endpoint (rate limiter, status code pages).</summary>
    public static ErrorBody Body(int status, string message) => ErrorBody.Of(CodeFor(status), message);

    public static string CodeFor(int status) => status switch
    {
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        409 => "Conflict",
        413 => "PayloadTooLarge",
        429 => "TooManyRequests",
        503 => "ServiceUnavailable",
        _ => "InternalError",
    };

    private sealed class CountedError(int status, IResult body) : IResult, IStatusCodeHttpResult
    {
        public int? StatusCode => status;

        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.RequestServices.GetRequiredService<GridMetrics>().RefusedStatus(GridMetrics.RestDoor, status);
            return body.ExecuteAsync(httpContext);
        }
    }
}
