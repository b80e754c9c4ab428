using System.ComponentModel;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using CommandGrid.Gateway.Commands;
using CommandGrid.Grains.Interfaces;

namespace CommandGrid.Gateway.Rest.Wire;

/// <summary>A fleet job as the REST API writes it.</summary>
[Description("A fleet job: one action for many things, rolled out at a rate, stopped by abort rules, within a schedule.")]
public sealed record Job
{
    public required string JobId { get; init; }

    [Description("SCHEDULED, IN_PROGRESS, COMPLETED, CANCELED or ABORTED.")]
    public required string Status { get; init; }

    public required string Action { get; init; }

    [JsonPropertyName("params")]
    [Description("The parameters of every execution: a JSON object, {} when none were given (and for a job given by its document).")]
    public required JsonNode Params { get; init; }

    [Description("The job document every device gets: the one given, or {\"action\", \"params\"}.")]
    public required JsonNode Document { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Name { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Description { get; init; }

    [Description("SNAPSHOT or CONTINUOUS, as continuous says.")]
    public required string JobType { get; init; }

    [Description("Each execution's TTL in seconds (its deadline until it starts); null for the grid's default.")]
    public required int? Ttl { get; init; }

    [Description("How long each execution may stay IN_PROGRESS; null: its TTL bounds it.")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public TimeoutConfig? TimeoutConfig { get; init; }

    [Description("Another execution for a thing whose execution failed or timed out; counts count each thing by its last.")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public RetryConfig? Retry { get; init; }

    public required JobTargets Targets { get; init; }

    [Description("How fast executions are created; null: as fast as the grid goes.")]
    public required RolloutConfig? Rollout { get; init; }

    public required IReadOnlyList<AbortCriteria> Abort { get; init; }

    public required SchedulingConfig? Schedule { get; init; }

    [Description("Things that join a target group later get an execution too.")]
    public required bool Continuous { get; init; }

    [Description("The distinct things the targets named when the job started.")]
    public required long Targeted { get; init; }

    [Description("Executions made so far.")]
    public required long Created { get; init; }

    [Description("The job's executions per status.")]
    public required IReadOnlyDictionary<string, long> Counts { get; init; }

    [Description("The rollout rate now; null: as fast as the grid goes.")]
    public required double? RolloutRatePerMinute { get; init; }

    public required long UserId { get; init; }

    public required string CreatedAt { get; init; }

    public required string? StartedAt { get; init; }

    public required string? CompletedAt { get; init; }

    [Description("Why the job was aborted or canceled: the rule that fired, or who canceled.")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? AbortReason { get; init; }

    [Description("The abort rule that fired.")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public AbortCriteria? AbortRule { get; init; }

    public static Job From(JobRecord j)
    {
        var d = j.Definition;
        return new Job
        {
            JobId = j.JobId,
            Status = j.Status,
            Action = d.Action,
            Params = WireJson.Parse(d.ParametersJson) ?? new JsonObject(),
            Document = JsonNode.Parse(JobDocument.Of(d))!,
            Name = d.Name,
            Description = d.Description,
            JobType = d.Continuous ? "CONTINUOUS" : "SNAPSHOT",
            Ttl = d.Lifetime,
            TimeoutConfig = d.InProgressTimeoutMinutes is { } minutes ? new TimeoutConfig { InProgressTimeoutInMinutes = minutes } : null,
            Retry = d.Retry.IsDefaultOrEmpty ? null : new RetryConfig
            {
                CriteriaList = [.. d.Retry.Select(r => new RetryCriteria { FailureType = r.FailureType, NumberOfRetries = r.NumberOfRetries })],
            },
            Targets = new JobTargets { ThingIds = WireJson.List(d.Targets.ThingIds), Groups = WireJson.List(d.Targets.Groups) },
            Rollout = RolloutConfig.From(d.Rollout),
            Abort = [.. (d.Abort.IsDefault ? [] : d.Abort).Select(AbortCriteria.From)],
            Schedule = d.Schedule is { } schedule ? new SchedulingConfig { StartAt = WireJson.Time(schedule.StartAt), EndAt = WireJson.Time(schedule.EndAt) } : null,
            Continuous = d.Continuous,
            Targeted = j.Targeted,
            Created = j.Created,
            Counts = new SortedDictionary<string, long>(j.Counts, StringComparer.Ordinal),
            RolloutRatePerMinute = j.RatePerMinute,
            UserId = d.UserId,
            CreatedAt = WireTime.Iso(j.CreatedAt),
            StartedAt = WireJson.Time(j.StartedAt),
            CompletedAt = WireJson.Time(j.CompletedAt),
            AbortReason = j.AbortReason,
            AbortRule = j.AbortRule is { } rule ? AbortCriteria.From(rule) : null,
        };
    }
}

/// <summary>AWS IoT's timeoutConfig: how long an execution may stay IN_PROGRESS (a step timeout on an update resets it).</summary>
public sealed record TimeoutConfig
{
    [Description("1 to 10080 (a week).")]
    public required int InProgressTimeoutInMinutes { get; init; }
}

/// <summary>AWS IoT's retry config: a thing whose execution ended in failureType gets up to numberOfRetries more.</summary>
public sealed record RetryConfig
{
    public required IReadOnlyList<RetryCriteria> CriteriaList { get; init; }
}

public sealed record RetryCriteria
{
    [Description("FAILED, TIMED_OUT or ALL (either).")]
    public required string FailureType { get; init; }

    [Description("1 to 10.")]
    public required int NumberOfRetries { get; init; }
}

/// <summary>The things a job is for: named things and the members of groups. A request names at least one of either.</summary>
public sealed record JobTargets
{
    public IReadOnlyList<string>? ThingIds { get; init; }

    [Description("Static or dynamic thing groups; their members are targeted.")]
    public IReadOnlyList<string>? Groups { get; init; }

    [Description("In a request, the Fleets spelling of thingIds (one of the two).")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? ThingNames { get; init; }

    [Description("In a request, the Fleets spelling of groups (one of the two).")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? ThingGroupNames { get; init; }
}

/// <summary>How fast executions are created: a fixed maximum per minute, or a rate that grows (one of the two).</summary>
public sealed record RolloutConfig
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? MaxPerMinute { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ExponentialRolloutRate? Exponential { get; init; }

    public static RolloutConfig? From(JobRollout? rollout) => rollout is null ? null : new RolloutConfig
    {
        MaxPerMinute = rollout.MaxPerMinute,
        Exponential = rollout.Exponential is { } e
            ? new ExponentialRolloutRate
            {
                BaseRatePerMinute = e.BaseRatePerMinute,
                IncrementFactor = e.IncrementFactor,
                RateIncreaseCriteria = new RateIncreaseCriteria
                {
                    NumberOfSucceededThings = e.NumberOfSucceededThings,
                    NumberOfNotifiedThings = e.NumberOfNotifiedThings,
                },
            }
            : null,
    };
}

/// <summary>AWS IoT's exponential rollout: the base rate at first, multiplied by the factor each time the criteria are met.</summary>
public sealed record ExponentialRolloutRate
{
    public required int BaseRatePerMinute { get; init; }

    [Description("Above 1.")]
    public required double IncrementFactor { get; init; }

    public required RateIncreaseCriteria RateIncreaseCriteria { get; init; }
}

/// <summary>When the rate grows: after so many more succeeded, or notified, things (exactly one of the two).</summary>
public sealed record RateIncreaseCriteria
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? NumberOfSucceededThings { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? NumberOfNotifiedThings { get; init; }
}

/// <summary>Abort once at least minExecutedThings executions are final and thresholdPercent of them ended in failureType.</summary>
public sealed record AbortCriteria
{
    [Description("FAILED, REJECTED, TIMED_OUT or ALL (any of the three).")]
    public required string FailureType { get; init; }

    public required int MinExecutedThings { get; init; }

    [Description("Above 0, at most 100.")]
    public required double ThresholdPercent { get; init; }

    public static AbortCriteria From(AbortRule rule) => new()
    {
        FailureType = rule.FailureType,
        MinExecutedThings = rule.MinExecutedThings,
        ThresholdPercent = rule.ThresholdPercent,
    };
}

/// <summary>When a job may create executions: not before startAt, not from endAt on (ISO 8601 times; either may be null).</summary>
public sealed record SchedulingConfig
{
    public string? StartAt { get; init; }

    public string? EndAt { get; init; }
}
