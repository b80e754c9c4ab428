using System.ComponentModel;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using CommandGrid.Gateway.Commands;
using CommandGrid.Grains.Interfaces;

namespace CommandGrid.Gateway.Rest.Wire;

/// <summary>
/// A command execution as the REST API writes it. The handlers serialize this record, and the OpenAPI document
/// describes the same record, so the two cannot drift apart.
/// </summary>
[Description("A command execution: one action for one thing, with its status as the device reports it.")]
public sealed record Execution
{
    [Description("The execution's id, a positive integer written as a string.")]
    public required string ExecutionId { get; init; }

    public required string ThingId { get; init; }

    [Description("The command's name, e.g. setTemperature.")]
    public required string Action { get; init; }

    [JsonPropertyName("params")]
    [Description("The command's parameters: a JSON object, {} when none were given.")]
    public required JsonNode Params { get; init; }

    [Description("Seconds the device has to answer before the execution times out.")]
    public required int Ttl { get; init; }

    [Description("PENDING, SENT, IN_PROGRESS, SUCCEEDED, FAILED, REJECTED, TIMED_OUT or CANCELED.")]
    public required string Status { get; init; }

    [Description("What the device answered with, any JSON value; null until it does.")]
    public required JsonNode? Result { get; init; }

    public required string CreatedAt { get; init; }

    public required string UpdatedAt { get; init; }

    [Description("When the execution was made: its TTL counts from here.")]
    public required string Timestamp { get; init; }

    public required string ExpiresAt { get; init; }

    [Description("The user whose token created it.")]
    public required long UserId { get; init; }

    [Description("The device's own word for the status, when it differs from status.")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? DeviceStatus { get; init; }

    [Description("The creator's idempotency token, when one was given.")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ClientToken { get; init; }

    [Description("The fleet job this execution is part of, if any.")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? JobId { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ExecutionStatusReason? StatusReason { get; init; }

    [Description("Raised by every change a device can see, from 1 (AWS IoT Jobs' versionNumber).")]
    public required int VersionNumber { get; init; }

    [Description("Which execution of its job for its thing this is, from 1; a retry is the next.")]
    public required int ExecutionNumber { get; init; }

    [Description("The name/value pairs the device last reported with its status (AWS IoT Jobs' statusDetails).")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? StatusDetails { get; init; }

    [Description("When the execution first went IN_PROGRESS.")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? StartedAt { get; init; }

    [Description("Every status change, oldest first; in the answers about one execution, not in lists.")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<HistoryEntry>? History { get; init; }

    public static Execution From(CommandRecord c, bool withHistory) => new()
    {
        ExecutionId = c.Id.ToString(CultureInfo.InvariantCulture),
        ThingId = c.DeviceId,
        Action = c.Command,
        Params = WireJson.Parse(c.ParametersJson) ?? new JsonObject(),
        Ttl = c.Lifetime,
        Status = c.Status,
        Result = WireJson.Parse(c.ResultJson),
        CreatedAt = WireTime.Iso(c.CreatedAt),
        UpdatedAt = WireTime.Iso(c.LastUpdated),
        Timestamp = WireTime.Iso(c.Timestamp),
        ExpiresAt = WireTime.Iso(c.ExpiresAt),
        UserId = c.UserId,
        DeviceStatus = c.DeviceStatus is not null && c.DeviceStatus != c.Status ? c.DeviceStatus : null,
        ClientToken = c.ClientToken,
        JobId = c.JobId,
        StatusReason = c.StatusReason is { } reason
            ? new ExecutionStatusReason { ReasonCode = reason.ReasonCode, ReasonDescription = reason.ReasonDescription }
            : null,
        VersionNumber = c.VersionNumber,
        ExecutionNumber = c.ExecutionNumber,
        StatusDetails = c.StatusDetails is { Count: > 0 } details ? new SortedDictionary<string, string>(details, StringComparer.Ordinal) : null,
        StartedAt = c.StartedAt is { } started ? WireTime.Iso(started) : null,
        History = withHistory
            ? [.. c.History.Select(h => new HistoryEntry { Status = h.Status, DeviceStatus = h.DeviceStatus, At = WireTime.Iso(h.At), Source = h.Source })]
            : null,
    };
}

/// <summary>Why the device reported what it did (the Fleets statusReason).</summary>
public sealed record ExecutionStatusReason
{
    public required string ReasonCode { get; init; }

    public required string? ReasonDescription { get; init; }
}

/// <summary>One step of an execution's history.</summary>
public sealed record HistoryEntry
{
    public required string Status { get; init; }

    [Description("The device's own word for it, if it gave one.")]
    public required string? DeviceStatus { get; init; }

    public required string At { get; init; }

    [Description("Who moved it: the grid, the device, or a user (user:ID).")]
    public required string Source { get; init; }
}
