using CommandGrid.Gateway.Operations;
using CommandGrid.Gateway.Rest.Wire;
using CommandGrid.Metrics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;

namespace CommandGrid.Gateway.Rest;

/// <summary>
/// The REST error body: {"error": {"code": "...", "message": "..."}} with its HTTP status, and the one mapping from
/// a status to the code that names it (the REST door, the status code pages and the refusal metrics all use it).
/// </summary>
public static class RestError
{
    /// <summary>
    /// Every status the grid, Kestrel or ASP.NET Core's routing can answer with, its code and the message given when
    /// nothing more precise is known. The codes are HTTP's reason phrases in PascalCase (RFC 9110), except 413, which
    /// keeps its RFC 7231 name that clients of this API already match on, and 500, "InternalError".
    /// </summary>
    private static readonly Dictionary<int, (string Code, string Message)> Statuses = new()
    {
        [400] = ("BadRequest", "Bad request"),
        [401] = ("Unauthorized", "A valid access token is required"),
        [403] = ("Forbidden", "The token does not allow this"),
        [404] = ("NotFound", "No such resource"),
        [405] = ("MethodNotAllowed", "This resource does not take that method"),
        [406] = ("NotAcceptable", "The API answers application/json only"),
        [408] = ("RequestTimeout", "The request was not received in time"),
        [409] = ("Conflict", "Conflict with the resource's current state"),
        [411] = ("LengthRequired", "The request needs a Content-Length"),
        [413] = ("PayloadTooLarge", "The body is too large"),
        [414] = ("UriTooLong", "The URL is too long"),
        [415] = ("UnsupportedMediaType", "Send the body as application/json"),
        [429] = ("TooManyRequests", "Too many requests; retry later"),
        [431] = ("RequestHeaderFieldsTooLarge", "The request's headers are too large"),
        [500] = ("InternalError", "Internal error"),
        [501] = ("NotImplemented", "Not implemented"),
        [503] = ("ServiceUnavailable", "The grid is not available; retry later"),
        [504] = ("GatewayTimeout", "The grid did not answer in time; retry later"),
    };

    /// <summary>Every code <see cref="CodeFor"/> gives for a status in the table, for the OpenAPI document's enumeration.</summary>
    public static IReadOnlyList<string> Codes { get; } = [.. Statuses.Values.Select(s => s.Code)];

    /// <summary>The error as a result; when it is written, a 4xx counts as the REST door's refusal on the request's host.</summary>
    public static IResult Of(int status, string message) =>
        new CountedError(status, Results.Json(Body(status, message), statusCode: status));

    /// <summary>The body alone, for the answers written outside an endpoint (rate limiter, status code pages).</summary>
    public static ErrorBody Body(int status, string message) => ErrorBody.Of(CodeFor(status), message);

    /// <summary>The body with the status's own message, for an error the framework raised without one.</summary>
    public static ErrorBody Body(int status) => Body(status, MessageFor(status));

    public static string CodeFor(int status) =>
        Statuses.TryGetValue(status, out var known) ? known.Code
        // A status outside the table still gets a name of its own, never another status's.
        : ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? string.Concat(phrase.Split(' ', '-').Select(Capitalized))
        : $"Status{status}";

    public static string MessageFor(int status) =>
        Statuses.TryGetValue(status, out var known) ? known.Message
        : ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase
        : $"HTTP status {status}";

    private static string Capitalized(string word) => word.Length == 0 ? word : char.ToUpperInvariant(word[0]) + word[1..].ToLowerInvariant();

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
