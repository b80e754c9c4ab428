using System.ComponentModel;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace CommandGrid.Gateway.Rest.Wire;

/// <summary>The body of POST /api/v1/jobs, for the document (JobRequest reads the JSON itself).</summary>
public sealed record CreateJobBody
{
    [Description("The job's id; derived from clientToken, or new, when absent. Letters, digits, '-', '_', '.', at most 128.")]
    public string? JobId { get; init; }

    [Description("Idempotency: a retry with the same token reaches the same job; at most 64 characters.")]
    public string? ClientToken { get; init; }

    public required string Action { get; init; }

    [JsonPropertyName("params")]
    public JsonObject? Params { get; init; }

    [Description("Each execution's TTL in seconds.")]
    public int? Ttl { get; init; }

    public required JobTargets Targets { get; init; }

    public RolloutConfig? Rollout { get; init; }

    public IReadOnlyList<AbortCriteria>? Abort { get; init; }

    public SchedulingConfig? Schedule { get; init; }

    [Description("Give things that join a target group later an execution too.")]
    public bool? Continuous { get; init; }
}
