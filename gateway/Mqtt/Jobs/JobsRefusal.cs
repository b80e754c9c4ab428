namespace CommandGrid.Gateway.Mqtt.Jobs;

/// <summary>Why a jobs request was rejected, with AWS IoT Jobs' error code.</summary>
public sealed record JobsRefusal(string Code, string Message)
{
    public const string InvalidRequest = "InvalidRequest";
    public const string InvalidJson = "InvalidJson";
    public const string InvalidStateTransition = "InvalidStateTransition";
    public const string ResourceNotFound = "ResourceNotFound";
    public const string VersionMismatch = "VersionMismatch";
    public const string TerminalStateReached = "TerminalStateReached";
    public const string RequestThrottled = "RequestThrottled";
}

/// <summary>A request refused before any grain was called; carries the client token when the request had a readable one.</summary>
public sealed class JobsRequestException(JobsRefusal refusal, string? clientToken) : Exception(refusal.Message)
{
    public JobsRefusal Refusal { get; } = refusal;

    public string? ClientToken { get; } = clientToken;
}
