using CommandGrid.Gateway.Commands;
using CommandGrid.Grains.Interfaces;
using CommandGrid.Mqtt.Packets;
using CommandGrid.Mqtt.Server;
using Microsoft.Extensions.Logging;

namespace CommandGrid.Gateway.Mqtt.Jobs;

/// <summary>
/// What one session that speaks the jobs topics has been told: AWS IoT Jobs' <c>notify</c> (the pending executions,
/// when that list changes) and <c>notify-next</c> (the next execution, when another one becomes next; the same one
/// again when the device comes back to its kept session). As on AWS IoT, a device that subscribes is told of changes
/// from then on, not of what was pending before (it asks: get, $next/get, start-next); a notice it heard twice would
/// start its job twice (AWS's device SDK acts on every one). Each announcement reads the thing's pending
/// executions afresh, so changes that come in a burst fold into one read and at most one notice of each kind. An
/// execution named by a notice that reached the device is confirmed SENT, as a published command request is.
/// </summary>
internal sealed class JobsNotices(
    string clientId, string thing, IMqttPublisher server, ThingJobsService jobs, JobDocuments documents, TimeProvider clock,
    Func<MqttDeliveryResult, IReadOnlyList<long>, Task<bool>> confirmDelivery, ILogger logger)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private int _wanted;
    private int _resendNext;
    // What the device was last told: the pending list's and the next execution's keys; empty for none.
    private string _toldList = "";
    private string _toldNext = "";

    /// <summary>Takes what is pending now as what the device knows, before the session is told of any change.</summary>
    public async Task StartAsync()
    {
        await _gate.WaitAsync();
        try
        {
            (_toldList, _toldNext) = Keys(await jobs.GetPendingAsync(thing));
        }
        catch (Exception e) when (e is not ObjectDisposedException)
        {
            // Unknown, so taken as nothing: the first change tells the device of everything pending.
            logger.LogWarning(e, "Reading the pending jobs of {DeviceId} for {ClientId} failed", thing, clientId);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task AnnounceAsync(bool resendNext)
    {
        if (resendNext)
        {
            Interlocked.Exchange(ref _resendNext, 1);
        }
        Interlocked.Increment(ref _wanted);
        await _gate.WaitAsync();
        try
        {
            // A run that began after this call's increment read every change this call stands for.
            if (Interlocked.Exchange(ref _wanted, 0) == 0)
            {
                return;
            }
            var resend = Interlocked.Exchange(ref _resendNext, 0) == 1;
            await TellAsync(await jobs.GetPendingAsync(thing), resend);
        }
        catch (Exception e) when (e is not ObjectDisposedException)
        {
            logger.LogWarning(e, "Telling {ClientId} of the jobs of {DeviceId} failed; the next change tells it", clientId, thing);
        }
        catch (ObjectDisposedException)
        {
            // The host is stopping: the device is told again on its next connection.
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task TellAsync(ThingJobExecutions pending, bool resendNext)
    {
        var now = clock.GetUtcNow();
        var (listKey, nextKey) = Keys(pending);
        if (listKey != _toldList)
        {
            _toldList = listKey;
            await PublishAsync(JobsTopics.Notify, JobsPayloads.Write(JobsPayloads.Notify(pending, now)), [.. pending.InOrder]);
        }
        if (nextKey != _toldNext || (resendNext && pending.Next is not null))
        {
            _toldNext = nextKey;
            var next = pending.Next;
            var document = next?.JobId is { } jobId ? await documents.GetAsync(jobId) : null;
            var body = JobsPayloads.WithExecution(next, document);
            await PublishAsync(JobsTopics.NotifyNext, JobsPayloads.Reply(body, null, now), next is null ? [] : [next]);
        }
    }

    /// <summary>
    /// Publishes under both jobs prefixes (the session gets those it subscribed to), and confirms the executions it names
    /// that are still PENDING once, by the first of the two that reached the device.
    /// </summary>
    private async Task PublishAsync(Func<string, string> topic, byte[] payload, IReadOnlyList<CommandRecord> named)
    {
        var pending = named.Where(e => e.Status == CommandStatus.Pending).Select(e => e.Id).ToList();
        var confirmed = false;
        foreach (var prefix in JobsTopics.Prefixes(thing))
        {
            var delivery = await server.PublishAsync(clientId, new MqttApplicationMessage
            {
                Topic = topic(prefix),
                Payload = payload,
                QualityOfService = MqttQualityOfService.AtLeastOnce,
                ContentType = "application/json",
            });
            if (!confirmed)
            {
                confirmed = await confirmDelivery(delivery, pending);
            }
        }
    }

    // What a notice says, as keys: the pending list (each execution in order) and the next execution; empty for none.
    private static (string List, string Next) Keys(ThingJobExecutions pending) =>
        (string.Join(',', pending.InOrder.Select(Key)), pending.Next is { } next ? Key(next) : "");

    // An execution as a notice names it: a retry is another execution of the same job.
    private static string Key(CommandRecord execution) => $"{execution.JobId}#{execution.ExecutionNumber}";
}
