using System.Text.Json.Nodes;
using CommandGrid.Gateway.Commands;
using CommandGrid.Grains.Interfaces;

namespace CommandGrid.Gateway.Mqtt.Jobs;

/// <summary>The answer to one jobs request: <c>{request topic}/accepted</c> or <c>/rejected</c>, and its body.</summary>
public sealed record JobsReply(bool Accepted, string Topic, byte[] Body);

/// <summary>
/// Turns a device's request on its jobs topics (AWS IoT Jobs' device API) into grain calls and the answer. Every
/// request is answered, on the topic it came on with <c>/accepted</c> or <c>/rejected</c>, under the prefix it came under.
/// </summary>
public sealed class JobsRequestHandler(ThingJobsService jobs, JobDocuments documents, TimeProvider clock)
{
    /// <summary>
    /// Answers a request published on <paramref name="topic"/> by <paramref name="thing"/>; null when the topic is no jobs
    /// request of its own. A request past the session's allowance (<paramref name="allowed"/> false) is rejected
    /// RequestThrottled without a grain call.
    /// </summary>
    public async Task<JobsReply?> HandleAsync(string thing, string topic, ReadOnlyMemory<byte> payload, Func<bool> allowed)
    {
        if (!JobsTopics.TryParse(topic, out var request) || request.Thing != thing)
        {
            return null;
        }
        if (!allowed())
        {
            return Rejected(request, JobsPayloads.Rejected(new JobsRefusal(JobsRefusal.RequestThrottled, "Too many jobs requests from this session; retry later")),
                JobsRequest.TryReadClientToken(payload));
        }
        string? token = null;
        try
        {
            var body = JobsRequest.Read(payload, request.Operation);
            token = body.ClientToken;
            var answer = await AnswerAsync(request, body);
            return new JobsReply(true, $"{topic}/accepted", JobsPayloads.Reply(answer, token, clock.GetUtcNow()));
        }
        catch (JobsRequestException e)
        {
            return Rejected(request, JobsPayloads.Rejected(e.Refusal), e.ClientToken);
        }
        catch (CommandNotFoundException e)
        {
            return Rejected(request, JobsPayloads.Rejected(new JobsRefusal(JobsRefusal.ResourceNotFound, e.Message)), token);
        }
        catch (CommandFinalException e)
        {
            return Rejected(request, JobsPayloads.Rejected(new JobsRefusal(JobsRefusal.TerminalStateReached, e.Message)), token);
        }
        catch (InvalidStatusTransitionException e)
        {
            return Rejected(request, JobsPayloads.Rejected(new JobsRefusal(JobsRefusal.InvalidStateTransition, e.Message)), token);
        }
        catch (VersionMismatchException e)
        {
            // AWS IoT gives the execution's state with a version mismatch, so the device can retry against it.
            var state = await jobs.FindAsync(thing, request.JobId!, null);
            return Rejected(request, JobsPayloads.Rejected(new JobsRefusal(JobsRefusal.VersionMismatch, e.Message), state), token);
        }
    }

    private JobsReply Rejected(JobsRequestTopic request, JsonObject body, string? token) =>
        new(false, $"{request.Topic}/rejected", JobsPayloads.Reply(body, token, clock.GetUtcNow()));

    private async Task<JsonObject> AnswerAsync(JobsRequestTopic request, JobsRequest body)
    {
        var thing = request.Thing;
        switch (request.Operation)
        {
            case JobsOperation.GetPending:
                return JobsPayloads.Pending(await jobs.GetPendingAsync(thing));
            case JobsOperation.StartNext:
                var started = await jobs.StartNextAsync(thing, body.StatusDetails, body.StepTimeoutInMinutes, Source(thing));
                return JobsPayloads.WithExecution(started, await DocumentAsync(started, include: true));
            case JobsOperation.Describe when request.JobId == JobsTopics.NextJobId:
                var next = await jobs.GetNextAsync(thing);
                return JobsPayloads.WithExecution(next, await DocumentAsync(next, body.IncludeJobDocument));
            case JobsOperation.Describe:
                var execution = await jobs.FindAsync(thing, request.JobId!, body.ExecutionNumber)
                    ?? throw new CommandNotFoundException($"Thing {thing} has no execution of job {request.JobId}");
                return JobsPayloads.WithExecution(execution, await DocumentAsync(execution, body.IncludeJobDocument));
            default:
                return await UpdateAsync(thing, request.JobId!, body);
        }
    }

    private async Task<JsonObject> UpdateAsync(string thing, string jobId, JobsRequest body)
    {
        if (JobsStatus.GridOnly.Contains(body.Status!))
        {
            throw new JobsRequestException(new JobsRefusal(JobsRefusal.InvalidStateTransition, $"A device cannot move an execution to {body.Status}"), body.ClientToken);
        }
        var update = new CommandUpdate(body.Status, null, null, Source(thing), thing, body.StatusDetails, body.ExpectedVersion, body.StepTimeoutInMinutes);
        var updated = await jobs.UpdateAsync(thing, jobId, body.ExecutionNumber, update);
        var answer = new JsonObject();
        if (body.IncludeJobExecutionState)
        {
            answer["executionState"] = JobsPayloads.State(updated);
        }
        if (body.IncludeJobDocument && await documents.GetAsync(jobId) is { } document)
        {
            answer["jobDocument"] = JsonNode.Parse(document);
        }
        return answer;
    }

    private async Task<string?> DocumentAsync(CommandRecord? execution, bool include) =>
        include && execution?.JobId is { } jobId ? await documents.GetAsync(jobId) : null;

    private static string Source(string thing) => $"mqtt-jobs:{thing}";
}
