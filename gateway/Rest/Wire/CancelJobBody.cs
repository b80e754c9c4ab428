using System.ComponentModel;

namespace CommandGrid.Gateway.Rest.Wire;

/// <summary>The optional body of POST /api/v1/jobs/{jobId}/cancel, for the document (the handler reads the JSON itself).</summary>
public sealed record CancelJobBody
{
    [Description("Also cancel the executions already sent or in progress; without it only the pending ones are.")]
    public bool? Force { get; init; }
}
