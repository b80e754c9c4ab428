using System.Text.Json;
using System.Text.Json.Nodes;
using CommandGrid.Grains.Interfaces;

namespace CommandGrid.Gateway.Mqtt.Jobs;

/// <summary>
/// The JSON of AWS IoT Jobs' device API, as the grid writes it on the jobs topics. Every time is Unix seconds, in every
/// payload (AWS's documentation shows both seconds and milliseconds; the grid's Fleets command payloads use seconds).
/// </summary>
public static class JobsPayloads
{
    /// <summary>A job execution (AWS's JobExecution), with its document when one is given.</summary>
    public static JsonObject Execution(CommandRecord execution, string? documentJson)
    {
        var body = new JsonObject { ["jobId"] = execution.JobId, ["thingName"] = execution.DeviceId };
        if (documentJson is not null)
        {
            body["jobDocument"] = JsonNode.Parse(documentJson);
        }
        body["status"] = JobsStatus.Of(execution.Status);
        AddDetails(body, execution);
        AddTimes(body, execution);
        return body;
    }

    /// <summary>A job execution in a list (AWS's JobExecutionSummary).</summary>
    public static JsonObject Summary(CommandRecord execution)
    {
        var body = new JsonObject { ["jobId"] = execution.JobId };
        AddTimes(body, execution);
        return body;
    }

    /// <summary>A job execution's state (AWS's JobExecutionState).</summary>
    public static JsonObject State(CommandRecord execution)
    {
        var body = new JsonObject { ["status"] = JobsStatus.Of(execution.Status) };
        AddDetails(body, execution);
        body["versionNumber"] = execution.VersionNumber;
        return body;
    }

    /// <summary><c>get/accepted</c>: the pending executions, in progress and queued.</summary>
    public static JsonObject Pending(ThingJobExecutions pending) => new()
    {
        ["inProgressJobs"] = new JsonArray([.. pending.InProgress.Select(e => (JsonNode)Summary(e))]),
        ["queuedJobs"] = new JsonArray([.. pending.Queued.Select(e => (JsonNode)Summary(e))]),
    };

    /// <summary><c>notify</c>: the pending executions by status; a status with none is left out.</summary>
    public static JsonObject Notify(ThingJobExecutions pending, DateTimeOffset now)
    {
        var jobs = new JsonObject();
        if (pending.InProgress.Length > 0)
        {
            jobs[JobsStatus.InProgress] = new JsonArray([.. pending.InProgress.Select(e => (JsonNode)Summary(e))]);
        }
        if (pending.Queued.Length > 0)
        {
            jobs[JobsStatus.Queued] = new JsonArray([.. pending.Queued.Select(e => (JsonNode)Summary(e))]);
        }
        return new JsonObject { ["timestamp"] = now.ToUnixTimeSeconds(), ["jobs"] = jobs };
    }

    /// <summary><c>notify-next</c>, start-next's and <c>$next/get</c>'s answers: the execution, absent when there is none.</summary>
    public static JsonObject WithExecution(CommandRecord? execution, string? documentJson)
    {
        var body = new JsonObject();
        if (execution is not null)
        {
            body["execution"] = Execution(execution, documentJson);
        }
        return body;
    }

    /// <summary>Stamps an answer with the time and the request's client token, and writes it.</summary>
    public static byte[] Reply(JsonObject body, string? clientToken, DateTimeOffset now)
    {
        body["timestamp"] = now.ToUnixTimeSeconds();
        if (clientToken is not null)
        {
            body["clientToken"] = clientToken;
        }
        return JsonSerializer.SerializeToUtf8Bytes(body);
    }

    public static byte[] Write(JsonObject body) => JsonSerializer.SerializeToUtf8Bytes(body);

    /// <summary>A rejection (AWS's ErrorResponse), with the execution's state where AWS gives it (VersionMismatch).</summary>
    public static JsonObject Rejected(JobsRefusal refusal, CommandRecord? state = null)
    {
        var body = new JsonObject { ["code"] = refusal.Code, ["message"] = refusal.Message };
        if (state is not null)
        {
            body["executionState"] = State(state);
        }
        return body;
    }

    private static void AddDetails(JsonObject body, CommandRecord execution)
    {
        if (execution.StatusDetails is { Count: > 0 } details)
        {
            body["statusDetails"] = new JsonObject(details.OrderBy(d => d.Key, StringComparer.Ordinal)
                .Select(d => KeyValuePair.Create(d.Key, (JsonNode?)d.Value)));
        }
    }

    private static void AddTimes(JsonObject body, CommandRecord execution)
    {
        body["queuedAt"] = execution.CreatedAt.ToUnixTimeSeconds();
        if (execution.StartedAt is { } started)
        {
            body["startedAt"] = started.ToUnixTimeSeconds();
        }
        body["lastUpdatedAt"] = execution.LastUpdated.ToUnixTimeSeconds();
        body["versionNumber"] = execution.VersionNumber;
        body["executionNumber"] = execution.ExecutionNumber;
    }
}
