using System.Collections.Immutable;
using CommandGrid.Grains.Interfaces;
using CommandGrid.Tests.Infrastructure;
using Orleans;

namespace CommandGrid.Tests.Grains;

/// <summary>What the job grain tests build their cases from: fleets of registered things, groups, definitions, waits.</summary>
internal static class JobTestKit
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    public static async Task<string[]> RegisterThingsAsync(IGrainFactory grains, int count, string? attributesJson = null)
    {
        var prefix = GridServer.NewId("fleet");
        var things = Enumerable.Range(0, count).Select(i => $"{prefix}-{i:D4}").ToArray();
        foreach (var batch in things.Chunk(100))
        {
            await Task.WhenAll(batch.Select(t => grains.GetGrain<IDeviceGrain>(t).SaveAsync(new DeviceRegistration(t, attributesJson, null, null, null))));
        }
        return things;
    }

    public static async Task<string> StaticGroupAsync(IGrainFactory grains, IEnumerable<string> members)
    {
        var name = GridServer.NewId("group");
        var group = grains.GetGrain<IThingGroupGrain>(name);
        await group.SaveAsync(new ThingGroupDefinition("test", null));
        foreach (var thing in members)
        {
            await group.AddThingAsync(thing);
        }
        return name;
    }

    public static JobDefinition Definition(
        IEnumerable<string>? things = null, IEnumerable<string>? groups = null, JobRollout? rollout = null,
        IEnumerable<AbortRule>? abort = null, JobSchedule? schedule = null, bool continuous = false, int ttl = 3600) =>
        new("reboot", """{"delay":1}""", ttl, new JobTargets([.. things ?? []], [.. groups ?? []]), rollout,
            [.. abort ?? []], schedule, continuous, UserId: 7, Fingerprint: Guid.NewGuid().ToString("N"));

    public static IJobGrain NewJob(IGrainFactory grains) => grains.GetGrain<IJobGrain>(GridServer.NewId("job"));

    public static async Task<JobRecord> WaitAsync(IJobGrain job, Func<JobRecord, bool> until, string because)
    {
        JobRecord? last = null;
        await Eventually.TrueAsync(async () => until(last = (await job.GetAsync())!), Patience, because);
        return last!;
    }

    public static async Task<IReadOnlyList<CommandRecord>> ExecutionsAsync(IGrainFactory grains, string jobId, string? status = null)
    {
        var all = new List<CommandRecord>();
        string? cursor = null;
        do
        {
            var page = await grains.GetGrain<IFleetQueryGrain>(0).ListCommandsAsync(new CommandQuery(Status: status, Descending: false, Cursor: cursor, Limit: 1000, JobId: jobId));
            all.AddRange(page.Items);
            cursor = page.NextCursor;
        }
        while (cursor is not null);
        return all;
    }

    /// <summary>Answers every execution of the job still open with <paramref name="status"/>, as its device would.</summary>
    public static async Task<int> AnswerAllAsync(IGrainFactory grains, string jobId, string status, int? max = null)
    {
        var open = (await ExecutionsAsync(grains, jobId, CommandStatus.Pending)).Take(max ?? int.MaxValue).ToArray();
        await Task.WhenAll(open.Select(e => grains.GetGrain<ICommandGrain>(e.Id).UpdateAsync(new CommandUpdate(status, null, null, "test"))));
        return open.Length;
    }

    public static long Count(this JobRecord job, string status) => job.Counts.TryGetValue(status, out var n) ? n : 0;
}
