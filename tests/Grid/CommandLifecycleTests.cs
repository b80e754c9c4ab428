using System.Net;
using System.Net.Http.Json;
using CommandGrid.Grains.Interfaces;
using CommandGrid.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace CommandGrid.Tests.Grid;

public sealed class CommandLifecycleTests(SharedGridServer grid) : IClassFixture<SharedGridServer>
{
    [Fact]
    public async Task Cancel_GivesCanceledAndAFinalCommandNeverChangesAgain()
    {
        var server = grid.Server;
        var client = server.Client();
        var thing = GridServer.NewId("lock");
        await client.RegisterThingAsync(thing);
        var id = (await client.CreateCommandAsync(new { thingId = thing, action = "unlock", ttl = 60 }))["executionId"]!.GetValue<string>();

        var (status, canceled) = await client.SendAsync(HttpMethod.Post, $"/api/v1/commands/{id}/cancel");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("CANCELED", canceled["status"]!.GetValue<string>());

        var (again, error) = await client.SendAsync(HttpMethod.Post, $"/api/v1/commands/{id}/cancel");
        Assert.Equal(HttpStatusCode.Conflict, again);
        Assert.Equal("Conflict", error["error"]!["code"]!.GetValue<string>());

        var grain = server.Services.GetRequiredService<IGrainFactory>().GetGrain<ICommandGrain>(long.Parse(id, System.Globalization.CultureInfo.InvariantCulture));
        await Assert.ThrowsAsync<CommandFinalException>(() => grain.UpdateAsync(new CommandUpdate("SUCCEEDED", "{\"late\":true}", null, "test")));

        var stored = await client.GetCommandAsync(id);
        Assert.Equal("CANCELED", stored["status"]!.GetValue<string>());
        Assert.Null(stored["result"]);
        Assert.Equal(canceled["updatedAt"]!.GetValue<string>(), stored["updatedAt"]!.GetValue<string>());
    }

    [Fact]
    public async Task Update_DeviceStatusesMapToTheStatusModel()
    {
        var server = grid.Server;
        var client = server.Client();
        var grains = server.Services.GetRequiredService<IGrainFactory>();
        var thing = GridServer.NewId("dev");
        await client.RegisterThingAsync(thing);

        async Task<CommandRecord> Run(params string[] statuses)
        {
            var id = long.Parse((await client.CreateCommandAsync(new { thingId = thing, action = "x", ttl = 60 }))["executionId"]!.GetValue<string>(),
                System.Globalization.CultureInfo.InvariantCulture);
            CommandRecord record = null!;
            foreach (var s in statuses)
            {
                record = await grains.GetGrain<ICommandGrain>(id).UpdateAsync(new CommandUpdate(s, "{\"ok\":1}", null, "test"));
            }
            return record;
        }

        var done = await Run("in progress", "done");
        Assert.Equal(CommandStatus.Succeeded, done.Status);
        Assert.Equal("done", done.DeviceStatus);
        Assert.Equal([CommandStatus.Pending, CommandStatus.InProgress, CommandStatus.Succeeded], done.History.Select(h => h.Status));

        var own = await Run("weird-status");
        Assert.Equal("weird-status", own.Status);
        Assert.True(own.IsFinal);

        await Assert.ThrowsAsync<InvalidStatusTransitionException>(() => Run("SENT"));
    }

    [Fact]
    public async Task ClientToken_SameRequestReturnsSameExecutionAndDifferentOneConflicts()
    {
        var server = grid.Server;
        var client = server.Client();
        var thing = GridServer.NewId("dev");
        await client.RegisterThingAsync(thing);
        var body = new { thingId = thing, action = "reboot", ttl = 60, clientToken = Guid.NewGuid().ToString("N") };

        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => client.PostAsJsonAsync("/api/v1/commands", body)));
        var ids = await Task.WhenAll(results.Select(async r =>
        {
            Assert.Equal(HttpStatusCode.Created, r.StatusCode);
            return (await r.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>())!["executionId"]!.GetValue<string>();
        }));
        Assert.Single(ids.Distinct());

        var (status, error) = await client.SendAsync(HttpMethod.Post, "/api/v1/commands",
            JsonContent.Create(body with { action = "shutdown" }));
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Contains("client token", error["error"]!["message"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);

        Assert.Single(await client.ListAllAsync($"thingId={thing}", 50));
    }

    [Fact]
    public async Task OfflineDevice_KeepsCommandsQueuedUntilItConnects()
    {
        var server = grid.Server;
        var client = server.Client();
        var grains = server.Services.GetRequiredService<IGrainFactory>();
        var thing = GridServer.NewId("dev");
        await client.RegisterThingAsync(thing);
        var first = long.Parse((await client.CreateCommandAsync(new { thingId = thing, action = "a", ttl = 60 }))["executionId"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        var second = long.Parse((await client.CreateCommandAsync(new { thingId = thing, action = "b", ttl = 60 }))["executionId"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        var device = grains.GetGrain<IDeviceGrain>(thing);
        Assert.Equal([first, second], await device.GetPendingAsync());

        var connection = new RecordingConnection(grains);
        var reference = grains.CreateObjectReference<IDeviceConnection>(connection);
        await device.ConnectAsync(reference, new DeviceConnectionOptions(Delivers: true, WantsUpdates: false));

        await Eventually.TrueAsync(() => connection.Confirmed.Count == 2, TimeSpan.FromSeconds(5), "both queued commands were delivered");
        Assert.Equal([first, second], connection.Received);
        Assert.Empty(await device.GetPendingAsync());
        Assert.Equal("SENT", (await client.GetCommandAsync(first.ToString(System.Globalization.CultureInfo.InvariantCulture)))["status"]!.GetValue<string>());

        var third = long.Parse((await client.CreateCommandAsync(new { thingId = thing, action = "c", ttl = 60 }))["executionId"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        await Eventually.TrueAsync(() => connection.Confirmed.Contains(third), TimeSpan.FromSeconds(5), "a new command reached the connected device at once");
    }

    [Fact]
    public async Task Ids_AreUniqueAndSafeForJsonClients()
    {
        var server = grid.Server;
        var client = server.Client();
        var thing = GridServer.NewId("dev");
        await client.RegisterThingAsync(thing);

        var created = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => client.CreateCommandAsync(new { thingId = thing, action = $"a{i}", ttl = 60 })));
        var ids = created.Select(c => long.Parse(c["executionId"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)).ToArray();

        Assert.Equal(50, ids.Distinct().Count());
        Assert.All(ids, id => Assert.InRange(id, 1, (1L << 53) - 1));
    }

    [Fact]
    public async Task GroupCommit_ConcurrentCreatesShareTransactions()
    {
        var server = grid.Server;
        var client = server.Client();
        var things = Enumerable.Range(0, 50).Select(_ => GridServer.NewId("dev")).ToArray();
        foreach (var thing in things)
        {
            await client.RegisterThingAsync(thing);
        }
        var grains = server.Services.GetRequiredService<IGrainFactory>();
        var ids = server.Services.GetRequiredService<CommandIdAllocator>();
        using var batches = server.Services.Collect<int>("commandgrid.storage.batch.size");

        // A fleet's load: many devices at once (one device's commands are created one after another by its grain).
        await Task.WhenAll(things.SelectMany(thing => Enumerable.Range(0, 4).Select(i => Task.Run(async () =>
            await grains.GetGrain<IDeviceGrain>(thing).CreateCommandAsync(new CreateCommandRequest(thing, $"a{i}", null, null, 60, null, null, 1), await ids.NextAsync())))));

        var sizes = batches.GetMeasurementSnapshot();
        var writes = sizes.Sum(m => m.Value);
        var transactions = sizes.Count;
        // Each create writes its state; the reminders its execution registers as it leaves memory (its device is
        // offline) may come after the create answered.
        Assert.True(writes >= 200, $"each create writes its state ({writes} writes)");
        Assert.True(transactions < writes / 2, $"{writes} writes took {transactions} transactions");
    }

    private sealed class RecordingConnection(IGrainFactory grains) : IDeviceConnection
    {
        public List<long> Received { get; } = [];

        public List<long> Confirmed { get; } = [];

        public async Task CommandAvailable(CommandRecord command)
        {
            lock (Received)
            {
                Received.Add(command.Id);
            }
            await grains.GetGrain<ICommandGrain>(command.Id).MarkSentAsync();
            lock (Confirmed)
            {
                Confirmed.Add(command.Id);
            }
        }

        public Task CommandUpdated(CommandRecord command) => Task.CompletedTask;
    }
}
