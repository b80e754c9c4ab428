using Xunit;
using System.Text.Json.Nodes;
using CommandGrid.Tests.Grid;
using CommandGrid.Tests.Infrastructure;
using static CommandGrid.Tests.WebSockets.WsKit;

namespace CommandGrid.Tests.WebSockets;

public sealed class WebSocketSubscriptionTests
{
    private static long Id(JsonObject push) => (long)push["command"]!["id"]!;

    [Fact]
    public async Task Creator_OnlyTheCreatingConnectionReceivesCommandUpdate()
    {
        await using var server = await GridServer.StartAsync();
        var device = await RegisterDeviceAsync(server);
        await using var creator = await WsClient.ConnectAuthenticatedAsync(server, GridServer.Token(userId: 1));
        await using var sameUser = await WsClient.ConnectAuthenticatedAsync(server, GridServer.Token(userId: 1));
        await using var otherUser = await WsClient.ConnectAuthenticatedAsync(server, GridServer.Token(userId: 2));
        await using var deviceClient = await WsClient.ConnectAuthenticatedAsync(server, GridServer.Token(devices: [device]));

        var id = await InsertAsync(creator, device, "open-door");
        await deviceClient.OkAsync(Update(device, id, "in progress"));
        await deviceClient.OkAsync(Update(device, id, "done", new JsonObject { ["opened"] = true }));

        var progress = await creator.WaitForPushAsync("command/update", m => Id(m) == id && (string?)m["command"]!["status"] == "in progress");
        var done = await creator.WaitForPushAsync("command/update", m => Id(m) == id && (string?)m["command"]!["status"] == "done");
        Assert.Null(done["subscriptionId"]);
        Assert.True((bool)done["command"]!["result"]!["opened"]!);
        Assert.Equal("open-door", (string?)done["command"]!["command"]);
        Assert.Equal(device, (string?)done["command"]!["deviceId"]);
        Assert.True(creator.Received.ToList().IndexOf(progress) < creator.Received.ToList().IndexOf(done));

        foreach (var other in new[] { sameUser, otherUser, deviceClient })
        {
            var before = await other.MessagesBeforeMarkerAsync();
            Assert.DoesNotContain(before, m => (string?)m["action"] == "command/update" && m["requestId"] is null);
        }
        // Delivery (PENDING → SENT) is not news for the creator: only the device's two reports arrived.
        var creatorUpdates = (await creator.MessagesBeforeMarkerAsync()).Where(m => (string?)m["action"] == "command/update" && m["requestId"] is null).ToList();
        Assert.Equal(2, creatorUpdates.Count);
    }

    [Fact]
    public async Task Subscribe_ByDevice_GetsTheDocumentOfAJobGivenByItsDocumentAsItsParameters()
    {
        await using var server = await GridServer.StartAsync();
        var device = await RegisterDeviceAsync(server);
        await using var deviceClient = await WsClient.ConnectAuthenticatedAsync(server);
        await deviceClient.OkAsync(Message("command/subscribe", ("deviceId", device)));
        using var rest = server.Client();
        var (_, job) = await rest.SendAsync(HttpMethod.Post, "/api/v1/jobs", System.Net.Http.Json.JsonContent.Create(new
        {
            document = new { operation = "install", url = "https://example.com/fw.bin" },
            targets = new { thingNames = new[] { device } },
        }));

        var push = await deviceClient.WaitForPushAsync("command/insert", m => (string?)m["command"]!["jobId"] == (string)job["jobId"]!);
        Assert.Equal("install", (string?)push["command"]!["command"]);
        Assert.Equal("https://example.com/fw.bin", (string?)push["command"]!["parameters"]!["url"]);
    }

    [Fact]
    public async Task Subscribe_ByDevice_PushesInsertsAndMarksThemSent()
    {
        await using var server = await GridServer.StartAsync();
        var device = await RegisterDeviceAsync(server);
        var other = await RegisterDeviceAsync(server);
        await using var deviceClient = await WsClient.ConnectAuthenticatedAsync(server);
        await using var user = await WsClient.ConnectAuthenticatedAsync(server);
        var reply = await deviceClient.OkAsync(Message("command/subscribe", ("deviceId", device)));
        var subscriptionId = (long)reply["subscriptionId"]!;

        var otherId = await InsertAsync(user, other, "not-for-you");
        var id = await InsertAsync(user, device, "for-you", new JsonObject { ["x"] = 1 });
        var push = await deviceClient.WaitForPushAsync("command/insert", m => Id(m) == id);
        Assert.Equal(subscriptionId, (long)push["subscriptionId"]!);
        Assert.Equal("for-you", (string?)push["command"]!["command"]);
        Assert.Equal(device, (string?)push["command"]!["deviceId"]);
        Assert.DoesNotContain(await deviceClient.MessagesBeforeMarkerAsync(), m => (string?)m["action"] == "command/insert" && m["command"] is not null && Id(m) == otherId);
        await Eventually.TrueAsync(async () => (string?)(await RestExecutionAsync(server, id))["status"] == "SENT", WsClient.Timeout, "the command is SENT");
        Assert.Equal("PENDING", (string?)(await RestExecutionAsync(server, otherId))["status"]);
    }

    [Fact]
    public async Task Subscribe_ByDevice_ReceivesCommandsPendingWhileOffline()
    {
        await using var server = await GridServer.StartAsync();
        var device = await RegisterDeviceAsync(server);
        await using var user = await WsClient.ConnectAuthenticatedAsync(server);
        var id = await InsertAsync(user, device, "while-offline");
        await using var deviceClient = await WsClient.ConnectAuthenticatedAsync(server);
        await deviceClient.OkAsync(Message("command/subscribe", ("deviceId", device)));
        await deviceClient.WaitForPushAsync("command/insert", m => Id(m) == id);
    }

    [Fact]
    public async Task Subscribe_ByNetwork_PushesOnlyThatNetwork()
    {
        await using var server = await GridServer.StartAsync();
        var inNetwork = await RegisterDeviceAsync(server, networkId: 11);
        var elsewhere = await RegisterDeviceAsync(server, networkId: 12);
        await using var watcher = await WsClient.ConnectAuthenticatedAsync(server);
        await using var user = await WsClient.ConnectAuthenticatedAsync(server);
        var reply = await watcher.OkAsync(Message("command/subscribe", ("networkIds", new JsonArray(11))));

        var skipped = await InsertAsync(user, elsewhere, "x");
        var wanted = await InsertAsync(user, inNetwork, "y");
        var push = await watcher.WaitForPushAsync("command/insert", m => Id(m) == wanted);
        Assert.Equal((long)reply["subscriptionId"]!, (long)push["subscriptionId"]!);
        Assert.Equal(11, (long)push["command"]!["networkId"]!);
        Assert.DoesNotContain(await watcher.MessagesBeforeMarkerAsync(), m => m["command"] is JsonObject && Id(m) == skipped);
        // A network subscription watches; it does not deliver.
        Assert.Equal("PENDING", (string?)(await RestExecutionAsync(server, wanted))["status"]);
    }

    [Fact]
    public async Task Subscribe_ByDeviceType_And_ToEverythingTheTokenReaches()
    {
        await using var server = await GridServer.StartAsync();
        var typed = await RegisterDeviceAsync(server, networkId: 21, deviceTypeId: 5);
        var other = await RegisterDeviceAsync(server, networkId: 22, deviceTypeId: 6);
        await using var byType = await WsClient.ConnectAuthenticatedAsync(server);
        await using var scoped = await WsClient.ConnectAuthenticatedAsync(server, GridServer.Token(networks: ["22"]));
        await using var user = await WsClient.ConnectAuthenticatedAsync(server);
        await byType.OkAsync(Message("command/subscribe", ("deviceTypeIds", new JsonArray(5))));
        await scoped.OkAsync(Message("command/subscribe"));

        var a = await InsertAsync(user, typed, "a");
        var b = await InsertAsync(user, other, "b");
        await byType.WaitForPushAsync("command/insert", m => Id(m) == a);
        await scoped.WaitForPushAsync("command/insert", m => Id(m) == b);
        Assert.DoesNotContain(await byType.MessagesBeforeMarkerAsync(), m => m["command"] is JsonObject && Id(m) == b);
        Assert.DoesNotContain(await scoped.MessagesBeforeMarkerAsync(), m => m["command"] is JsonObject && Id(m) == a);
        await scoped.ErrorAsync(Message("command/subscribe", ("networkIds", new JsonArray(21))), 403, "Access is denied");
        await scoped.ErrorAsync(Message("command/subscribe", ("deviceId", typed)), 403, "Access is denied");
    }

    [Fact]
    public async Task Subscribe_Names_FilterByCommandName()
    {
        await using var server = await GridServer.StartAsync();
        var device = await RegisterDeviceAsync(server);
        await using var deviceClient = await WsClient.ConnectAuthenticatedAsync(server);
        await using var user = await WsClient.ConnectAuthenticatedAsync(server);
        await deviceClient.OkAsync(Message("command/subscribe", ("deviceId", device), ("names", new JsonArray("light-on", "light-off"))));
        var ignored = await InsertAsync(user, device, "reboot");
        var on = await InsertAsync(user, device, "light-on");
        var off = await InsertAsync(user, device, "light-off");
        await deviceClient.WaitForPushAsync("command/insert", m => Id(m) == off);
        var pushed = (await deviceClient.MessagesBeforeMarkerAsync()).Where(m => (string?)m["action"] == "command/insert").Select(Id).ToList();
        Assert.Equal([on, off], pushed);
        Assert.Equal("PENDING", (string?)(await RestExecutionAsync(server, ignored))["status"]);
    }

    [Fact]
    public async Task Subscribe_Timestamp_ReplaysMissedCommandsOnceInOrder()
    {
        await using var server = await GridServer.StartAsync();
        var device = await RegisterDeviceAsync(server);
        await using var user = await WsClient.ConnectAuthenticatedAsync(server);
        var first = await InsertAsync(user, device, "one");
        var second = await InsertAsync(user, device, "two");
        await user.OkAsync(Update(device, second, "done"));
        var info = await user.OkAsync(Message("server/info"));
        var since = (string)info["info"]!["serverTimestamp"]!;
        var third = await InsertAsync(user, device, "three");

        await using var all = await WsClient.ConnectAuthenticatedAsync(server);
        await all.OkAsync(Message("command/subscribe", ("deviceId", device), ("timestamp", "2000-01-01T00:00:00.000")));
        await all.WaitForPushAsync("command/insert", m => Id(m) == third);
        var replayed = (await all.MessagesBeforeMarkerAsync()).Where(m => (string?)m["action"] == "command/insert").Select(Id).ToList();
        Assert.Equal([first, second, third], replayed);

        await using var recent = await WsClient.ConnectAuthenticatedAsync(server);
        await recent.OkAsync(Message("command/subscribe", ("timestamp", since)));
        await recent.WaitForPushAsync("command/insert", m => Id(m) == third);
        Assert.Equal([third], (await recent.MessagesBeforeMarkerAsync()).Where(m => (string?)m["action"] == "command/insert").Select(Id).ToList());

        await using var limited = await WsClient.ConnectAuthenticatedAsync(server);
        await limited.OkAsync(Message("command/subscribe", ("deviceId", device), ("timestamp", "2000-01-01T00:00:00.000"), ("limit", 1), ("names", new JsonArray("two"))));
        await limited.WaitForPushAsync("command/insert", m => Id(m) == second);
        Assert.Equal("done", (string?)(await limited.WaitForPushAsync("command/insert"))["command"]!["status"]);
    }

    [Fact]
    public async Task Subscribe_ReturnUpdatedCommands_PushesUpdatesWithSubscriptionId()
    {
        await using var server = await GridServer.StartAsync();
        var device = await RegisterDeviceAsync(server, networkId: 31);
        await using var watcher = await WsClient.ConnectAuthenticatedAsync(server);
        await using var plain = await WsClient.ConnectAuthenticatedAsync(server);
        await using var user = await WsClient.ConnectAuthenticatedAsync(server);
        var byDevice = (long)(await watcher.OkAsync(Message("command/subscribe", ("deviceId", device), ("returnUpdatedCommands", true))))["subscriptionId"]!;
        var byNetwork = (long)(await watcher.OkAsync(Message("command/subscribe", ("networkIds", new JsonArray(31)), ("returnUpdatedCommands", true))))["subscriptionId"]!;
        await plain.OkAsync(Message("command/subscribe", ("networkIds", new JsonArray(31))));

        var id = await InsertAsync(user, device, "work");
        await user.OkAsync(Update(device, id, "done", new JsonObject { ["ok"] = 1 }));
        foreach (var subscription in new[] { byDevice, byNetwork })
        {
            var update = await watcher.WaitForPushAsync("command/update",
                m => (long?)m["subscriptionId"] == subscription && Id(m) == id && (string?)m["command"]!["status"] == "done");
            Assert.Equal(1, (int)update["command"]!["result"]!["ok"]!);
        }
        await plain.WaitForPushAsync("command/insert", m => Id(m) == id);
        Assert.DoesNotContain(await plain.MessagesBeforeMarkerAsync(), m => (string?)m["action"] == "command/update" && m["requestId"] is null);
    }

    [Fact]
    public async Task Unsubscribe_And_SubscriptionList()
    {
        await using var server = await GridServer.StartAsync();
        var device = await RegisterDeviceAsync(server);
        await using var client = await WsClient.ConnectAuthenticatedAsync(server);
        await using var user = await WsClient.ConnectAuthenticatedAsync(server);
        var a = (long)(await client.OkAsync(Message("command/subscribe", ("deviceId", device), ("names", new JsonArray("x")))))["subscriptionId"]!;
        var b = (long)(await client.OkAsync(Message("command/subscribe", ("networkIds", new JsonArray(1, 2)))))["subscriptionId"]!;
        var list = (await client.OkAsync(Message("subscription/list", ("type", "command"))))["subscriptions"]!.AsArray();
        Assert.Equal([a, b], list.Select(s => (long)s!["subscriptionId"]!).ToArray());
        Assert.Equal(device, (string?)list[0]!["deviceId"]);
        Assert.Equal("x", (string?)list[0]!["names"]![0]);
        Assert.Equal(2, list[1]!["networkIds"]!.AsArray().Count);
        Assert.Empty((await client.OkAsync(Message("subscription/list", ("type", "notification"))))["subscriptions"]!.AsArray());
        await client.ErrorAsync(Message("subscription/list", ("type", "bogus")), 400);

        await client.OkAsync(Message("command/unsubscribe", ("subscriptionId", a)));
        await client.ErrorAsync(Message("command/unsubscribe", ("subscriptionId", a)), 404);
        await client.ErrorAsync(Message("command/unsubscribe", ("subscriptionId", "a")), 400);
        var id = await InsertAsync(user, device, "x");
        Assert.DoesNotContain(await client.MessagesBeforeMarkerAsync(), m => (string?)m["action"] == "command/insert" && m["requestId"] is null);
        Assert.Equal("PENDING", (string?)(await RestExecutionAsync(server, id))["status"]);

        await client.OkAsync(Message("command/unsubscribe"));
        Assert.Empty((await client.OkAsync(Message("subscription/list")))["subscriptions"]!.AsArray());
    }

    [Fact]
    public async Task Subscribe_Errors()
    {
        await using var server = await GridServer.StartAsync();
        await using var client = await WsClient.ConnectAuthenticatedAsync(server);
        await client.ErrorAsync(Message("command/subscribe", ("deviceId", "nobody-here")), 404, "Device with such deviceId = nobody-here not found");
        await client.ErrorAsync(Message("command/subscribe", ("deviceId", "not valid")), 400, "Device id is wrong or empty");
        await client.ErrorAsync(Message("command/subscribe", ("networkIds", "1")), 400);
        await client.ErrorAsync(Message("command/subscribe", ("names", new JsonArray(1))), 400);
        await client.ErrorAsync(Message("command/subscribe", ("returnUpdatedCommands", "yes")), 400);
        await client.ErrorAsync(Message("command/subscribe", ("timestamp", "soon")), 400);
        await using var noRead = await WsClient.ConnectAuthenticatedAsync(server, GridServer.Token(actions: [7]));
        await noRead.ErrorAsync(Message("command/subscribe"), 403, "Access is denied");
        Assert.Empty((await client.OkAsync(Message("subscription/list")))["subscriptions"]!.AsArray());
    }
}
