namespace CommandGrid.Gateway.Commands;

/// <summary>A client's request is malformed or breaks a limit; the message is shown to the client as is.</summary>
public sealed class RequestValidationException(string message, int statusCode = 400) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
}
