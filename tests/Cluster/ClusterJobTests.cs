using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CommandGrid.Grains.Interfaces;
using CommandGrid.Tests.Grid;
using CommandGrid.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace CommandGrid.Tests.Cluster;

/// <summary>
/// A fleet job on the real cluster of processes (3 silos, 2 gateways, PostgreSQL) whose job grain's silo is
/// killed with SIGKILL in the middle of the rollout: the job resumes on a survivor from its durable cursor, and
/// the pages it repeats (created but not yet written as walked) reach the same executions.
/// </summary>
[Collection(ProcessClusterCollection.Name)]
public sealed class ClusterJobTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ClusterJob_SiloKilledMidRolloutLeavesExactlyOneExecutionPerThing()
    {
        const int Things = 1200;
        const int DevicesPerGateway = 20;
        // Short, so that the things without a device end soon after the rollout; long enough that an execution of a
        // device whose grains were on the victim is answered once the death is declared (the gateways connect the
        // device again on the membership change and retry the answer) before it times out.
        const int Ttl = 8;
        // 1,200 at 6,000 a minute: a rollout of about 12 s (longer where the grid cannot create that fast), so the
        // kill at a third falls well inside it; more things would add registration time, not another failure case.
        const int RatePerMinute = 6_000;
        const int KillAtCreated = Things / 3;

        await using var cluster = await ProcessCluster.StartAsync(output);
        var prefix = GridServer.NewId("cj");
        var networkId = Random.Shared.Next(1_000_000, int.MaxValue);
        var things = Enumerable.Range(0, Things).Select(i => $"{prefix}-{i:D4}").ToList();
        await ClusterKit.RegisterThingsAsync(cluster, things, thing => new { name = thing, networkId });

        // Devices spread along the walk (a dynamic group's members are paged in id order), on both gateways, so
        // that some executions are created and answered before the kill and some after it.
        var stride = Things / (2 * DevicesPerGateway);
        var devices = await Task.WhenAll(Enumerable.Range(0, 2 * DevicesPerGateway)
            .Select(d => AnsweringDevice.StartAsync(cluster.Gateways[d % 2], things[d * stride + stride / 2])));
        try
        {
            using var rest = cluster.Client(0);
            using var other = cluster.Client(1);
            var group = prefix + "-fleet";
            var (groupStatus, groupBody) = await rest.SendAsync(HttpMethod.Put, $"/api/v1/thing-groups/{group}", JsonContent.Create(new { query = new { networkId } }));
            Assert.True(groupStatus == HttpStatusCode.Created, groupBody.ToJsonString());

            var jobId = prefix + "-job";
            var (jobStatus, job) = await rest.SendAsync(HttpMethod.Post, "/api/v1/jobs", JsonContent.Create(new
            {
                jobId,
                action = "cluster-job",
                ttl = Ttl,
                targets = new { groups = new[] { group } },
                rollout = new { maxPerMinute = RatePerMinute },
            }));
            Assert.True(jobStatus == HttpStatusCode.Created, job.ToJsonString());
            Assert.Equal(Things, (int)job["targeted"]!);

            // The silo whose job grain started the job says so in its log ("Job … started"), written before the 201.
            var started = $"Job {jobId} started";
            var victim = -1;
            await Eventually.TrueAsync(() => (victim = cluster.Silos.FindIndex(s => s.Logged(started))) >= 0,
                TimeSpan.FromSeconds(30), "a silo logs that it started the job");

            // The kill falls between a device's answers, never during one: an answer cut off by the kill waits for
            // the death declaration, and whether it then beats its TTL would test the detection time, not the job.
            JsonObject atKill = [];
            await Eventually.TrueAsync(async () => (int)(atKill = await ReadJobAsync(rest, jobId))["created"]! >= KillAtCreated
                    && devices.All(d => d.Idle),
                TimeSpan.FromSeconds(120), $"{KillAtCreated} executions are created and every device has answered what it was sent");
            var killedAt = cluster.KillHard(victim);
            output.WriteLine($"{cluster.Silos[victim].Name}, the job grain's silo, killed at {killedAt:HH:mm:ss.fff} with {atKill["created"]} of {Things} created");
            Assert.True((int)atKill["created"]! < Things, "the rollout ended before the kill: slow it down");

            var final = await WaitFinalAsync(other, jobId, TimeSpan.FromSeconds(180));
            output.WriteLine($"job {(string)final["status"]!} {ClusterKit.Seconds(DateTimeOffset.UtcNow - killedAt)} after the kill: {final["counts"]!.ToJsonString()}");

            // The job's own account: every thing once, the devices' answered, the others timed out.
            var deviceIds = devices.Select(d => d.DeviceId).ToHashSet();
            Assert.Equal(JobStatus.Completed, (string)final["status"]!);
            Assert.Equal(Things, (int)final["targeted"]!);
            Assert.Equal(Things, (int)final["created"]!);
            Assert.Equal(
                new Dictionary<string, long> { [CommandStatus.Succeeded] = deviceIds.Count, [CommandStatus.TimedOut] = Things - deviceIds.Count },
                final["counts"]!.AsObject().ToDictionary(kv => kv.Key, kv => (long)kv.Value!));

            // The stored executions: exactly one per thing, final, with the outcome its thing could give.
            var executions = await other.ListAllAsync($"jobId={jobId}", pageSize: 1000);
            var perThing = executions.GroupBy(e => (string)e["thingId"]!).ToDictionary(g => g.Key, g => g.ToList());
            var repeated = perThing.Where(kv => kv.Value.Count > 1).Select(kv => $"{kv.Key}: {string.Join(", ", kv.Value.Select(e => (string?)e["executionId"]))}").ToList();
            var missing = things.Where(t => !perThing.ContainsKey(t)).ToList();
            Assert.True(repeated.Count == 0, $"{repeated.Count} things with more than one execution: {string.Join("; ", repeated.Take(20))}");
            Assert.True(missing.Count == 0, $"{missing.Count} things without an execution: {string.Join(", ", missing.Take(20))}");
            Assert.Equal(Things, executions.Count);
            var wrong = executions
                .Where(e => (string?)e["status"] != (deviceIds.Contains((string)e["thingId"]!) ? CommandStatus.Succeeded : CommandStatus.TimedOut))
                .Select(e => $"{e["thingId"]} {e["executionId"]} {e["status"]}").ToList();
            Assert.True(wrong.Count == 0, $"{wrong.Count} executions with another outcome: {string.Join(", ", wrong.Take(20))}");

            // And on the wire: each device was sent its execution once.
            foreach (var device in devices)
            {
                var pushed = device.Pushed.Where(c => (string?)c["jobId"] == jobId).Select(c => (long)c["id"]!).ToList();
                Assert.True(pushed.Count == 1, $"device {device.DeviceId} was sent {pushed.Count} requests of the job: {string.Join(", ", pushed)}");
                Assert.Equal((string)perThing[device.DeviceId][0]["executionId"]!, pushed[0].ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            cluster.Passed();
        }
        finally
        {
            foreach (var device in devices)
            {
                await device.DisposeAsync();
            }
        }
    }

    private static async Task<JsonObject> ReadJobAsync(HttpClient client, string jobId)
    {
        var (status, job) = await client.SendAsync(HttpMethod.Get, $"/api/v1/jobs/{jobId}");
        Assert.True(status == HttpStatusCode.OK, $"GET job: {(int)status} {job.ToJsonString()}");
        return job;
    }

    /// <summary>
    /// Long polls the job until it is final. While the dead silo is not yet declared dead, calls to what it held
    /// may fail (the gateway gives up after its call timeout); those polls are repeated, not failed.
    /// </summary>
    private async Task<JsonObject> WaitFinalAsync(HttpClient client, string jobId, TimeSpan timeout)
    {
        JsonObject job = [];
        var failures = new List<string>();
        try
        {
            await Eventually.TrueAsync(async () =>
            {
                try
                {
                    var (status, body) = await client.SendAsync(HttpMethod.Get, $"/api/v1/jobs/{jobId}/wait?timeout=20");
                    if (status != HttpStatusCode.OK)
                    {
                        failures.Add($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} {(int)status} {body.ToJsonString()}");
                        return false;
                    }
                    job = body;
                    return JobStatus.IsFinal((string)body["status"]!);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    failures.Add($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} {e.GetType().Name} {e.Message}");
                    return false;
                }
            }, timeout, $"job {jobId} is final");
        }
        catch (TimeoutException)
        {
            output.WriteLine($"last seen: {job.ToJsonString()}; failed waits: {string.Join("; ", failures)}");
            throw;
        }
        return job;
    }
}
