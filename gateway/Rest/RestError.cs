using Microsoft.AspNetCore.Http;

namespace CommandGrid.Gateway.Rest;

/// <summary>The REST error body: {"error": {"code": "...", "message": "..."}} with its HTTP status.</summary>
public static class RestError
{
    public static IResult Of(int status, string message)
    {
        Operations.GatewayMetrics.RefusedStatus(Operations.GatewayMetrics.Rest, status);
        return Results.Json(new { error = new { code = CodeFor(status), message } }, statusCode: status);
    }

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
}
