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

    [Description("What each execution does. Required without a document; with one, its operation (or action) field, else \"job\".")]
    public string? Action { get; init; }

    [JsonPropertyName("params")]
    [Description("The parameters of every execution, with an action (not with a document).")]
    public JsonObject? Params { get; init; }

    [Description("The job document every device gets: any JSON object, at most 32 KB. Without one, it is {\"action\", \"params\"}.")]
    public JsonObject? Document { get; init; }

    [Description("A human-readable name, at most 128 characters.")]
    public string? Name { get; init; }

    [Description("What the job is for, at most 2028 characters.")]
    public string? Description { get; init; }

    [Description("SNAPSHOT (the targets as they are) or CONTINUOUS (things that join a target group later too): the Fleets spelling of continuous.")]
    public string? JobType { get; init; }

    [Description("Each execution's TTL in seconds: its deadline until it starts.")]
    public int? Ttl { get; init; }

    [Description("How long each execution may stay IN_PROGRESS before it is TIMED_OUT.")]
    public TimeoutConfig? TimeoutConfig { get; init; }

    [Description("Another execution for a thing whose execution failed or timed out.")]
    public RetryConfig? Retry { get; init; }

    public required JobTargets Targets { get; init; }

    public RolloutConfig? Rollout { get; init; }

    public IReadOnlyList<AbortCriteria>? Abort { get; init; }

    public SchedulingConfig? Schedule { get; init; }

    [Description("Give things that join a target group later an execution too.")]
    public bool? Continuous { get; init; }
}
