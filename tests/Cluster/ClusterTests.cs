using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using CommandGrid.Grains.Interfaces;
using CommandGrid.Runtime;
using CommandGrid.Runtime.Storage;
using CommandGrid.Tests.Grid;
using CommandGrid.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace CommandGrid.Tests.Cluster;

/// <summary>Behaviour of a running cluster: placement, cross-gateway notifications, failover.</summary>
public sealed class ClusterTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Cluster_GrainIsActiveOnExactlyOneSiloItsOwner()
    {
        await using var cluster = await TestCluster.StartAsync(silos: 3, gateways: 1);
        using var client = cluster.Gateways[0].Client();
        var things = Enumerable.Range(0, 30).Select(_ => GridServer.NewId("dev")).ToList();
        await Task.WhenAll(things.Select(t => client.RegisterThingAsync(t)));

        foreach (var thing in things)
        {
            var id = new GrainId("device", thing);
            var hosts = cluster.Silos.Where(s => s.Catalog!.IsActive(id)).ToList();
            Assert.Single(hosts);
            Assert.Equal(cluster.OwnerOf(id).MemberId, hosts[0].MemberId);
        }
        // With 30 devices over 3 silos, every silo hosts some.
        Assert.All(cluster.Silos, s => Assert.True(s.Catalog!.CountByType().GetValueOrDefault("device") > 0));
    }

    [Fact]
    public async Task Cluster_CommandThroughGateway2ReachesDeviceOnGateway1AndNotifiesCreator()
    {
        await using var cluster = await TestCluster.StartAsync(silos: 2, gateways: 2);
        var thing = GridServer.NewId("dev");
        using var client2 = cluster.Gateways[1].Client();
        await client2.RegisterThingAsync(thing);

        var device = new DeviceConnection();
        var gateway1 = cluster.Gateways[0].Grains;
        await gateway1.GetGrain<IDeviceGrain>(thing).ConnectAsync(gateway1.CreateObjectReference<IDeviceConnection>(device), new(true, false));

        var created = await client2.CreateCommandAsync(new { thingId = thing, action = "reboot", ttl = 60 });
        var commandId = long.Parse(created["executionId"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        await Eventually.TrueAsync(() => device.Available.Any(c => c.Id == commandId), Settle, "the device on gateway 1 is offered the command");

        var creator = new CommandWatcher();
        var gateway2 = cluster.Gateways[1].Grains;
        await gateway2.GetGrain<ICommandGrain>(commandId).SubscribeAsync(gateway2.CreateObjectReference<ICommandObserver>(creator));
        await gateway1.GetGrain<ICommandGrain>(commandId).UpdateAsync(new CommandUpdate("SUCCEEDED", "{\"ok\":true}", null, "device"));

        await Eventually.TrueAsync(() => creator.Changes.Any(c => c.Id == commandId && c.Status == CommandStatus.Succeeded), Settle,
            "the creator on gateway 2 is notified of the final status");
        Assert.Equal(CommandStatus.Succeeded, (await client2.GetCommandAsync(commandId.ToString(System.Globalization.CultureInfo.InvariantCulture)))["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Cluster_KillingTheOwnerUnderLoadLosesNoAcknowledgedCommandAndItsTtlsFire()
    {
        await using var cluster = await TestCluster.StartAsync(silos: 3, gateways: 2);
        var victim = cluster.Silos[0];
        // A device owned by the silo we are going to kill.
        var thing = Enumerable.Range(0, 1000).Select(_ => GridServer.NewId("dev")).First(t => cluster.OwnerOf(new GrainId("device", t)) == victim);
        using var setup = cluster.Gateways[0].Client();
        await setup.RegisterThingAsync(thing);

        var acknowledged = new ConcurrentDictionary<string, DateTimeOffset>();
        var failures = 0;
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            using var client = cluster.Gateways[w % 2].Client();
            client.Timeout = TimeSpan.FromSeconds(30);
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var response = await client.PostAsJsonAsync("/api/v1/commands", new { thingId = thing, action = $"w{w}", ttl = 3 });
                    if (response.StatusCode == HttpStatusCode.Created)
                    {
                        var body = await response.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>();
                        acknowledged[body!["executionId"]!.GetValue<string>()] = DateTimeOffset.UtcNow;
                    }
                    else
                    {
                        Interlocked.Increment(ref failures);
                    }
                }
                catch (Exception)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        })).ToList();

        await Eventually.TrueAsync(() => acknowledged.Count >= 50, Settle, "some commands are acknowledged before the kill");
        var beforeKill = acknowledged.Count;
        // Commands whose TTL is still pending on the victim when it dies.
        var victimsCommands = acknowledged.Keys.Where(id => cluster.OwnerOf(new GrainId("command", id)) == victim).ToList();
        var killedAt = Stopwatch.StartNew();
        await cluster.KillSiloAsync(0);
        await cluster.WaitSettledAsync(Settle);
        var declaredDeadAfter = killedAt.Elapsed;
        var atDeath = acknowledged.Count;
        await Eventually.TrueAsync(() => acknowledged.Count >= atDeath + 50, Settle, "commands are acknowledged again after the failover");
        var firstAfter = killedAt.Elapsed;
        await stop.CancelAsync();
        await Task.WhenAll(writers);

        using var reader = cluster.Gateways[1].Client();
        var final = new ConcurrentDictionary<string, string>();
        await Eventually.TrueAsync(async () =>
        {
            foreach (var id in acknowledged.Keys.Where(id => !final.ContainsKey(id)))
            {
                var (status, body) = await reader.SendAsync(HttpMethod.Get, $"/api/v1/commands/{id}");
                if (status == HttpStatusCode.OK && body["status"]!.GetValue<string>() is var s && CommandStatus.IsFinal(s))
                {
                    final[id] = s;
                }
            }
            return final.Count == acknowledged.Count;
        }, TimeSpan.FromSeconds(60), "every acknowledged command is readable and final");
        var allFinalAfter = killedAt.Elapsed;

        Assert.All(final.Values, s => Assert.Equal(CommandStatus.TimedOut, s));
        Assert.All(victimsCommands, id => Assert.Equal(CommandStatus.TimedOut, final[id]));
        output.WriteLine($"acknowledged {acknowledged.Count} ({beforeKill} before the kill, {atDeath} by the death), {failures} failed calls; " +
            $"{victimsCommands.Count} TTLs pending on the killed silo; death declared and settled after {declaredDeadAfter.TotalSeconds:0.00} s, " +
            $"acknowledging again by {firstAfter.TotalSeconds:0.00} s, all final by {allFinalAfter.TotalSeconds:0.00} s");
        Assert.NotEmpty(victimsCommands);
    }

    [Fact]
    public async Task Cluster_GatewaySurvivesASiloRestartWithoutItsClientsReconnecting()
    {
        await using var cluster = await TestCluster.StartAsync(silos: 2, gateways: 1);
        using var client = cluster.Gateways[0].Client();
        var things = Enumerable.Range(0, 10).Select(_ => GridServer.NewId("dev")).ToList();
        await Task.WhenAll(things.Select(t => client.RegisterThingAsync(t)));
        var before = await Task.WhenAll(things.Select(t => client.CreateCommandAsync(new { thingId = t, action = "a", ttl = 600 })));

        var restartedAt = Stopwatch.StartNew();
        await cluster.RestartSiloAsync(0);
        await cluster.WaitSettledAsync(Settle);
        output.WriteLine($"silo restarted and cluster settled in {restartedAt.Elapsed.TotalSeconds:0.00} s");

        // The same client, on the same gateway: old commands are there, new ones can be created on every device.
        foreach (var command in before)
        {
            var read = await client.GetCommandAsync(command["executionId"]!.GetValue<string>());
            Assert.Equal(CommandStatus.Pending, read["status"]!.GetValue<string>());
        }
        var after = await Task.WhenAll(things.Select(t => client.CreateCommandAsync(new { thingId = t, action = "b", ttl = 600 })));
        Assert.Equal(things.Count, after.Length);
        Assert.Contains(cluster.Silos[0].Catalog!.CountByType(), kv => kv.Value > 0);
    }

    [Fact]
    public async Task Cluster_CutOffSiloIsDeclaredDeadAndCannotWriteStaleState()
    {
        // The worst case: a cut-off silo that does not notice in time (no self-fencing for 10 minutes)
        // and still reaches the grain storage, only not the other members nor the membership table.
        await using var cluster = await TestCluster.StartAsync(silos: 3, gateways: 1,
            new Dictionary<string, string?> { ["Cluster:FenceTimeout"] = "00:10:00" });
        var victim = cluster.Silos[0];
        var thing = Enumerable.Range(0, 1000).Select(_ => GridServer.NewId("dev")).First(t => cluster.OwnerOf(new GrainId("device", t)) == victim);
        using var client = cluster.Gateways[0].Client();
        await client.RegisterThingAsync(thing, new { name = "original" });
        Assert.True(victim.Catalog!.IsActive(new GrainId("device", thing)));

        var cutAt = Stopwatch.StartNew();
        cluster.CutOff(0);
        await cluster.WaitSettledAsync(Settle);
        output.WriteLine($"cut-off silo declared dead and the cluster settled after {cutAt.Elapsed.TotalSeconds:0.00} s");

        // The new owner takes the device over and writes it.
        await client.RegisterThingAsync(thing, new { name = "new-owner" });

        // A call that still reaches the stale activation on the cut-off silo: its write is refused by the ETag.
        var stale = victim.Grains.GetGrain<IDeviceGrain>(thing);
        await Assert.ThrowsAsync<InconsistentStateException>(() => stale.SaveAsync(new DeviceRegistration("stale", null, null, null, null)));
        var stored = (await client.SendAsync(HttpMethod.Get, $"/api/v1/things/{thing}")).Body;
        Assert.Contains("new-owner", stored.ToJsonString(), StringComparison.Ordinal);

        // Once it can see the table again it learns it is dead and stops serving for good.
        cluster.Heal(0);
        await Eventually.TrueAsync(() => victim.Membership.IsFenced, Settle, "the healed silo finds itself declared dead");
        await Eventually.TrueAsync(() => victim.Catalog!.Count == 0, Settle, "the dead silo dropped its activations");
        await Assert.ThrowsAsync<CommandGrid.Runtime.Cluster.SiloUnavailableException>(() => stale.GetAsync());
    }

    private sealed class DeviceConnection : IDeviceConnection
    {
        public ConcurrentQueue<CommandRecord> Available { get; } = new();

        public Task CommandAvailable(CommandRecord command)
        {
            Available.Enqueue(command);
            return Task.CompletedTask;
        }

        public Task CommandUpdated(CommandRecord command) => Task.CompletedTask;
    }

    private sealed class CommandWatcher : ICommandObserver
    {
        public ConcurrentQueue<CommandRecord> Changes { get; } = new();

        public Task CommandChanged(CommandRecord command)
        {
            Changes.Enqueue(command);
            return Task.CompletedTask;
        }
    }
}
