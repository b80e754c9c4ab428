using Xunit;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using CommandGrid.Tests.Infrastructure;
using static CommandGrid.Tests.WebSockets.WsKit;

namespace CommandGrid.Tests.WebSockets;

public sealed class WebSocketBadInputTests(SharedGridServer grid) : IClassFixture<SharedGridServer>
{
    private static async Task AssertStillUsableAsync(WsClient client) => await client.OkAsync(Message("server/info"));

    private static async Task AssertNothingStoredAsync(WsClient client, string device) =>
        Assert.Empty((await client.OkAsync(Message("command/list", ("deviceId", device))))["commands"]!.AsArray());

    [Fact]
    public async Task BadInput_NonJsonText_Is400MalformedAndConnectionStays()
    {
        var server = grid.Server;
        var device = await RegisterDeviceAsync(server);
        await using var client = await WsClient.ConnectAuthenticatedAsync(server);
        foreach (var text in new[] { "hello", "{\"action\":\"command/insert\",", "", "{'single':'quotes'}", "\u0001\u0002" })
        {
            var count = client.Received.Count;
            await client.SendTextAsync(text);
            var reply = await client.WaitForAsync(m => (string?)m["status"] == "error", from: count);
            Assert.Equal(400, (int)reply["code"]!);
            Assert.Equal("Malformed Json received.", (string?)reply["error"]);
        }
        await AssertStillUsableAsync(client);
        await AssertNothingStoredAsync(client, device);
    }

    [Fact]
    public async Task BadInput_JsonThatIsNotAnObject_Is400Malformed()
    {
        var server = grid.Server;
        await using var client = await WsClient.ConnectAsync(server);
        foreach (var text in new[] { "[1,2]", "42", "\"command/insert\"", "null", "true" })
        {
            var count = client.Received.Count;
            await client.SendTextAsync(text);
            var reply = await client.WaitForAsync(m => (string?)m["status"] == "error", from: count);
            Assert.Equal(400, (int)reply["code"]!);
            Assert.Equal("Malformed Json received.", (string?)reply["error"]);
        }
        await AssertStillUsableAsync(client);
    }

    [Fact]
    public async Task BadInput_UnknownOrMissingAction_Is400()
    {
        var server = grid.Server;
        await using var client = await WsClient.ConnectAsync(server);
        var reply = await client.ErrorAsync(Message("notification/insert"), 400, "Unknown action requested: notification/insert");
        Assert.Equal("notification/insert", (string?)reply["action"]);
        await client.ErrorAsync(Message("COMMAND/INSERT"), 400);
        await client.ErrorAsync(new JsonObject { ["deviceId"] = "x" }, 400);
        await client.ErrorAsync(new JsonObject { ["action"] = 5 }, 400);
        await AssertStillUsableAsync(client);
    }

    [Fact]
    public async Task BadInput_WrongFieldTypes_Are400AndStoreNothing()
    {
        var server = grid.Server;
        var device = await RegisterDeviceAsync(server);
        await using var client = await WsClient.ConnectAuthenticatedAsync(server);
        JsonObject[] bad =
        [
            Message("command/insert", ("deviceId", 12), ("command", new JsonObject { ["command"] = "x" })),
            Message("command/insert", ("deviceId", device), ("command", "reboot")),
            Message("command/insert", ("deviceId", device), ("command", new JsonObject { ["command"] = 5 })),
            Message("command/insert", ("deviceId", device), ("command", new JsonObject { ["command"] = "x", ["parameters"] = "p" })),
            Message("command/insert", ("deviceId", device), ("command", new JsonObject { ["command"] = "x", ["parameters"] = new JsonArray(1) })),
            Message("command/insert", ("deviceId", device), ("command", new JsonObject { ["command"] = "x", ["lifetime"] = "long" })),
            Message("command/insert", ("deviceId", device), ("command", new JsonObject { ["command"] = "x", ["lifetime"] = 1.5 })),
            Message("command/insert", ("deviceId", device), ("command", new JsonObject { ["command"] = "x", ["timestamp"] = 17 })),
            Message("command/insert", ("deviceId", device), ("command", new JsonObject { ["command"] = "x", ["status"] = new JsonObject() })),
            Message("command/insert", ("deviceId", device), ("command", new JsonObject { ["command"] = new string('x', 200) })),
            Message("command/insert", ("deviceId", new JsonArray(device)), ("command", new JsonObject { ["command"] = "x" })),
            Message("command/get", ("deviceId", device), ("commandId", new JsonObject())),
            Message("command/list", ("deviceId", device), ("skip", -1)),
            Message("authenticate", ("token", 5)),
        ];
        foreach (var message in bad)
        {
            var reply = await client.RequestAsync(message);
            Assert.True((string?)reply["status"] == "error" && (int?)reply["code"] == 400, $"{message.ToJsonString()} → {reply.ToJsonString()}");
            Assert.Equal((string?)message["action"], (string?)reply["action"]);
        }
        await AssertStillUsableAsync(client);
        await AssertNothingStoredAsync(client, device);
    }

    [Fact]
    public async Task BadInput_HugeFrame_Is400AndConnectionStays()
    {
        var server = grid.Server;
        var device = await RegisterDeviceAsync(server);
        await using var client = await WsClient.ConnectAuthenticatedAsync(server);
        var huge = Insert(device, parameters: new JsonObject { ["blob"] = new string('a', 200 * 1024) });
        var count = client.Received.Count;
        await client.SendTextAsync(huge.ToJsonString());
        var reply = await client.WaitForAsync(m => (string?)m["status"] == "error", from: count);
        Assert.Equal(400, (int)reply["code"]!);
        Assert.Contains("larger than", (string?)reply["error"]);

        // Within the message limit but over the 64 KiB parameters limit: still a 400.
        await client.ErrorAsync(Insert(device, parameters: new JsonObject { ["blob"] = new string('b', 70 * 1024) }), 400);
        await AssertStillUsableAsync(client);
        await AssertNothingStoredAsync(client, device);
    }

    [Fact]
    public async Task BadInput_BeyondTheDiscardLimit_Closes1009AndServerStaysUp()
    {
        await using var server = await GridServer.StartAsync(settings: new Dictionary<string, string?> { ["WebSocket:MaxDiscardBytes"] = "262144" });
        await using var client = await WsClient.ConnectAuthenticatedAsync(server);
        try
        {
            await client.SendTextAsync(new string('x', 1024 * 1024));
        }
        catch (WebSocketException)
        {
            // The server may close while the client is still sending.
        }
        await client.Closed.WaitAsync(WsClient.Timeout);
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, client.CloseStatus);
        await using var next = await WsClient.ConnectAsync(server);
        await AssertStillUsableAsync(next);
    }

    [Fact]
    public async Task BadInput_BinaryFrame_Is400()
    {
        var server = grid.Server;
        var device = await RegisterDeviceAsync(server);
        await using var client = await WsClient.ConnectAuthenticatedAsync(server);
        var count = client.Received.Count;
        await client.SendAsync(Encoding.UTF8.GetBytes(Insert(device).ToJsonString()), WebSocketMessageType.Binary);
        var reply = await client.WaitForAsync(m => (string?)m["status"] == "error", from: count);
        Assert.Equal(400, (int)reply["code"]!);
        await AssertStillUsableAsync(client);
        await AssertNothingStoredAsync(client, device);
    }

    [Fact]
    public async Task BadInput_FloodOf2000Requests_AllAnsweredInOrder()
    {
        var server = grid.Server;
        var device = await RegisterDeviceAsync(server);
        await using var client = await WsClient.ConnectAuthenticatedAsync(server);
        var start = client.Received.Count;
        for (var i = 0; i < 2000; i++)
        {
            var message = i % 2 == 0
                ? Message("server/info", ("requestId", i))
                : Message("command/get", ("deviceId", device), ("commandId", "nope"), ("requestId", i));
            await client.SendTextAsync(message.ToJsonString());
        }
        await client.WaitForAsync(m => (int?)m["requestId"] == 1999, TimeSpan.FromSeconds(60), start);
        var replies = client.Received.Skip(start).ToList();
        Assert.Equal(Enumerable.Range(0, 2000), replies.Select(m => (int)m["requestId"]!));
        Assert.All(replies.Where((_, i) => i % 2 == 1), m => Assert.Equal(400, (int)m["code"]!));
        Assert.All(replies.Where((_, i) => i % 2 == 0), m => Assert.Equal("success", (string?)m["status"]));
        await AssertStillUsableAsync(client);
        await AssertNothingStoredAsync(client, device);
    }

    [Fact]
    public async Task BadInput_NonHttpUpgrade_IsRefusedPolitely()
    {
        var server = grid.Server;
        var response = await server.Http.GetAsync("/api/websocket");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
    }
}
