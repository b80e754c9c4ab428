using System.ComponentModel;

namespace CommandGrid.Gateway.Rest.Wire;

/// <summary>Every refusal of the REST API: {"error": {"code": "...", "message": "..."}} with its HTTP status.</summary>
[Description("An error: what went wrong, in the body of every 4xx and 5xx answer.")]
public sealed record ErrorBody
{
    public required ErrorDetail Error { get; init; }

    public static ErrorBody Of(string code, string message) => new() { Error = new ErrorDetail { Code = code, Message = message } };
}

public sealed record ErrorDetail
{
    [Description("The status's name (BadRequest, NotFound, UnsupportedMediaType, …): one code per HTTP status; InternalError only for a 500.")]
    public required string Code { get; init; }

    [Description("Why, in words for a person.")]
    public required string Message { get; init; }
}
