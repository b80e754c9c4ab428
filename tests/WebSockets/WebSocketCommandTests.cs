using Xunit;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CommandGrid.Tests.Infrastructure;
using static CommandGrid.Tests.WebSockets.WsKit;

namespace CommandGrid.Tests.WebSockets;

public sealed class WebSocketCommandTests(SharedGridServer grid) : IClassFixture<SharedGridServer>
{
    [Fact]
    public async Task Insert_RepliesIdTimestampLastUpdatedUserId()
    {
        var server = grid.Server;
        var device = await RegisterDeviceAsync(server);
        await using var client = await WsClient.ConnectAuthenticatedAsync(server, GridServer.Token(userId: 42));
        var reply = await client.OkAsync(Insert(device, "reboot", new JsonObject { ["delay"] = 5 }, lifetime: 60));
        Assert.Equal("command/insert", (string?)reply["action"]);
        var command = reply["command"]!.AsObject();
        Assert.True((long)command["id"]! > 0);
        Assert.Equal(42, (long)command["userId"]!);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$", (string?)command["timestamp"]);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$", (string?)command["lastUpdated"]);
        Assert.Equal(["id", "timestamp", "lastUpdated", "userId"], command.Select(p => p.Key).ToArray());
    }

    [Fact]
    public async Task Insert_ErrorsAre400_403_404()
    {
        var server = grid.Server;
        var device = await RegisterDeviceAsync(server, networkId: 7);
        await using var client = await WsClient.ConnectAuthenticatedAsync(server);
        await client.ErrorAsync(Insert("no-such-device"), 404, "Device with such deviceId = no-such-device not found");
        await client.ErrorAsync(Insert("bad id!"), 400, "Device id is wrong or empty");
        await client.ErrorAsync(Message("command/insert", ("command", new JsonObject { ["command"] = "x" })), 400, "Device id is wrong or empty");
        await client.ErrorAsync(Message("command/insert", ("deviceId", device)), 400);
        await client.ErrorAsync(Message("command/insert", ("deviceId", device), ("command", new JsonObject())), 400);
        await client.ErrorAsync(Insert(device, parameters: null, lifetime: -1), 400);

        await using var noInsert = await WsClient.ConnectAuthenticatedAsync(server, GridServer.Token(actions: [3, 5]));
        await noInsert.ErrorAsync(Insert(device), 403, "Access is denied");
        await using var otherNetwork = await WsClient.ConnectAuthenticatedAsync(server, GridServer.Token(networks: ["8"]));
        await otherNetwork.ErrorAsync(Insert(device), 403, "Access is denied");
        await using var otherDevice = await WsClient.ConnectAuthenticatedAsync(server, GridServer.Token(devices: ["someone-else"]));
        await otherDevice.ErrorAsync(Insert(device), 403, "Access is denied");

        var list = await client.OkAsync(Message("command/list", ("deviceId", device)));
        Assert.Empty(list["commands"]!.AsArray());
    }

    [Fact]
    public async Task Get_ReturnsTheFullRecord()
    {
        var server = grid.Server;
        var device = await RegisterDeviceAsync(server, networkId: 3, deviceTypeId: 4);
        await using var client = await WsClient.ConnectAuthenticatedAsync(server, GridServer.Token(userId: 9));
        var id = await InsertAsync(client, device, "blink", new JsonObject { ["times"] = 3 });
        var reply = await client.OkAsync(Message("command/get", ("deviceId", device), ("commandId", id)));
        var command = reply["command"]!.AsObject();
        Assert.Equal(id, (long)command["id"]!);
        Assert.Equal("blink", (string?)command["command"]);
        Assert.Equal(device, (string?)command["deviceId"]);
        Assert.Equal(3, (long)command["networkId"]!);
        Assert.Equal(4, (long)command["deviceTypeId"]!);
        Assert.Equal(9, (long)command["userId"]!);
        Assert.Equal(3, (int)command["parameters"]!["times"]!);
        Assert.Equal("PENDING", (string?)command["status"]);
        Assert.True(command.ContainsKey("result"));
        Assert.True((int)command["lifetime"]! > 0);
        Assert.NotNull((string?)command["timestamp"]);
        Assert.NotNull((string?)command["lastUpdated"]);
    }

    [Fact]
    public async Task Get_ErrorsAre400_404_403()
    {
        var server = grid.Server;
        var device = await RegisterDeviceAsync(server);
        var other = await RegisterDeviceAsync(server);
        await using var client = await WsClient.ConnectAuthenticatedAsync(server);
        var id = await InsertAsync(client, device);
        await client.ErrorAsync(Message("command/get", ("deviceId", device), ("commandId", 999_999_999)), 404, "Command with id = 999999999 not found");
        await client.ErrorAsync(Message("command/get", ("deviceId", other), ("commandId", id)), 404, $"Command with id = {id} not found");
        await client.ErrorAsync(Message("command/get", ("deviceId", device), ("commandId", "abc")), 400, "Command id is wrong or empty");
        await client.ErrorAsync(Message("command/get", ("deviceId", device)), 400, "Command id is wrong or empty");
        await client.ErrorAsync(Message("command/get", ("deviceId", 5), ("commandId", id)), 400, "Device id is wrong or empty");
        await client.ErrorAsync(Message("command/get", ("deviceId", "nobody"), ("commandId", id)), 404, "Device with such deviceId = nobody not found");
        await using var noRead = await WsClient.ConnectAuthenticatedAsync(server, GridServer.Token(actions: [7]));
        await noRead.ErrorAsync(Message("command/get", ("deviceId", device), ("commandId", id)), 403, "Access is denied");
    }

    [Fact]
    public async Task Update_DeviceSaysDone_SucceededOverRestAndDoneOverWebSocket()
    {
        var server = grid.Server;
        var device = await RegisterDeviceAsync(server);
        await using var client = await WsClient.ConnectAuthenticatedAsync(server);
        var id = await InsertAsync(client, device);
        await client.OkAsync(Update(device, id, "done", new JsonObject { ["uptime"] = 12 }));

        var rest = await RestExecutionAsync(server, id);
        Assert.Equal("SUCCEEDED", (string?)rest["status"]);
        Assert.Equal("done", (string?)rest["deviceStatus"]);
        Assert.Equal(12, (int)rest["result"]!["uptime"]!);
        var ws = await client.OkAsync(Message("command/get", ("deviceId", device), ("commandId", id)));
        Assert.Equal("done", (string?)ws["command"]!["status"]);
    }

    [Fact]
    public async Task Update_OwnStatusString_IsKeptAndFinal()
    {
        var server = grid.Server;
        var device = await RegisterDeviceAsync(server);
        await using var client = await WsClient.ConnectAuthenticatedAsync(server);
        var id = await InsertAsync(client, device);
        await client.OkAsync(Update(device, id, "weird-status"));
        var rest = await RestExecutionAsync(server, id);
        Assert.Equal("weird-status", (string?)rest["status"]);
        var ws = await client.OkAsync(Message("command/get", ("deviceId", device), ("commandId", id)));
        Assert.Equal("weird-status", (string?)ws["command"]!["status"]);

        // Final: a late update is a conflict and changes nothing.
        await client.ErrorAsync(Update(device, id, "done"), 409);
        Assert.Equal("weird-status", (string?)(await RestExecutionAsync(server, id))["status"]);
    }

    [Fact]
    public async Task Update_ErrorsAre400_403_404_409()
    {
        var server = grid.Server;
        var device = await RegisterDeviceAsync(server);
        await using var client = await WsClient.ConnectAuthenticatedAsync(server);
        var id = await InsertAsync(client, device);
        await client.ErrorAsync(Update(device, 123_456_789, "done"), 404, "Command with id = 123456789 not found");
        await client.ErrorAsync(Update("nobody", id, "done"), 404, "Device with such deviceId = nobody not found");
        await client.ErrorAsync(Message("command/update", ("deviceId", device), ("commandId", id)), 400);
        await client.ErrorAsync(Message("command/update", ("deviceId", device), ("commandId", id), ("command", new JsonObject { ["status"] = 5 })), 400);
        await client.ErrorAsync(Message("command/update", ("deviceId", device), ("commandId", -1), ("command", new JsonObject())), 400, "Command id is wrong or empty");
        await client.ErrorAsync(Update(device, id, "PENDING"), 409);
        await using var noUpdate = await WsClient.ConnectAuthenticatedAsync(server, GridServer.Token(actions: [5, 7]));
        await noUpdate.ErrorAsync(Update(device, id, "done"), 403, "Access is denied");
        await client.OkAsync(Update(device, id, "in progress"));
        await client.OkAsync(Update(device, id, "failed", new JsonObject { ["why"] = "disk" }));
        await client.ErrorAsync(Update(device, id, "done"), 409);
        Assert.Equal("FAILED", (string?)(await RestExecutionAsync(server, id))["status"]);
    }

    [Fact]
    public async Task List_FiltersSortsAndPages()
    {
        var server = grid.Server;
        var device = await RegisterDeviceAsync(server);
        await using var client = await WsClient.ConnectAuthenticatedAsync(server);
        var ids = new List<long>();
        foreach (var name in new[] { "a", "b", "a", "c" })
        {
            ids.Add(await InsertAsync(client, device, name));
        }
        await client.OkAsync(Update(device, ids[1], "done"));

        static long[] Ids(JsonObject reply) => [.. reply["commands"]!.AsArray().Select(c => (long)c!["id"]!)];
        Assert.Equal(ids, Ids(await client.OkAsync(Message("command/list", ("deviceId", device)))));
        Assert.Equal(ids.AsEnumerable().Reverse(), Ids(await client.OkAsync(Message("command/list", ("deviceId", device), ("sortOrder", "DESC")))));
        Assert.Equal([ids[0], ids[2]], Ids(await client.OkAsync(Message("command/list", ("deviceId", device), ("command", "a")))));
        Assert.Equal([ids[1]], Ids(await client.OkAsync(Message("command/list", ("deviceId", device), ("status", "SUCCEEDED")))));
        Assert.Equal([ids[1], ids[2]], Ids(await client.OkAsync(Message("command/list", ("deviceId", device), ("take", 2), ("skip", 1)))));
        Assert.Empty(Ids(await client.OkAsync(Message("command/list", ("deviceId", device), ("start", "2999-01-01T00:00:00.000")))));
        Assert.Equal(ids, Ids(await client.OkAsync(Message("command/list", ("deviceId", device), ("end", "2999-01-01T00:00:00.000")))));
        await client.ErrorAsync(Message("command/list", ("deviceId", device), ("take", "ten")), 400);
        await client.ErrorAsync(Message("command/list", ("deviceId", device), ("take", 5000)), 400);
        await client.ErrorAsync(Message("command/list", ("deviceId", device), ("sortOrder", "sideways")), 400);
        await client.ErrorAsync(Message("command/list", ("deviceId", device), ("start", "yesterday")), 400);
        await client.ErrorAsync(Message("command/list"), 400, "Device id is wrong or empty");
    }

    [Fact]
    public async Task WebSocketCreated_IsVisibleOverRest()
    {
        var server = grid.Server;
        var device = await RegisterDeviceAsync(server);
        await using var client = await WsClient.ConnectAuthenticatedAsync(server, GridServer.Token(userId: 77));
        var id = await InsertAsync(client, device, "update-firmware", new JsonObject { ["version"] = "1.2" });
        var rest = await RestExecutionAsync(server, id);
        Assert.Equal(id.ToString(System.Globalization.CultureInfo.InvariantCulture), (string?)rest["executionId"]);
        Assert.Equal(device, (string?)rest["thingId"]);
        Assert.Equal("update-firmware", (string?)rest["action"]);
        Assert.Equal("1.2", (string?)rest["params"]!["version"]);
        Assert.Equal(77, (long)rest["userId"]!);
    }

    [Fact]
    public async Task RestCreated_ReachesWebSocketDevice_AndItsAnswerReachesRest()
    {
        var server = grid.Server;
        var device = await RegisterDeviceAsync(server);
        await using var deviceClient = await WsClient.ConnectAuthenticatedAsync(server, GridServer.Token(devices: [device]));
        var subscribed = await deviceClient.OkAsync(Message("command/subscribe", ("deviceId", device)));

        using var http = server.Client();
        var created = await (await http.PostAsJsonAsync("/api/v1/commands", new { thingId = device, action = "ping", @params = new { n = 1 }, ttl = 30 }))
            .Content.ReadFromJsonAsync<JsonObject>();
        var id = long.Parse((string)created!["executionId"]!, System.Globalization.CultureInfo.InvariantCulture);

        var push = await deviceClient.WaitForPushAsync("command/insert", m => (long)m["command"]!["id"]! == id);
        Assert.Equal((long)subscribed["subscriptionId"]!, (long)push["subscriptionId"]!);
        Assert.Equal("ping", (string?)push["command"]!["command"]);
        Assert.Equal(1, (int)push["command"]!["parameters"]!["n"]!);
        await Eventually.TrueAsync(async () => (string?)(await RestExecutionAsync(server, id))["status"] == "SENT", WsClient.Timeout, "the pushed command is SENT");

        await deviceClient.OkAsync(Update(device, id, "completed", new JsonObject { ["pong"] = true }));
        var final = await RestWaitAsync(server, id);
        Assert.Equal("SUCCEEDED", (string?)final["status"]);
        Assert.True((bool)final["result"]!["pong"]!);
    }
}
