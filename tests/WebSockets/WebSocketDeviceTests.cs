using Xunit;
using System.Text.Json.Nodes;
using CommandGrid.Tests.Infrastructure;
using static CommandGrid.Tests.WebSockets.WsKit;

namespace CommandGrid.Tests.WebSockets;

public sealed class WebSocketDeviceTests
{
    [Fact]
    public async Task Device_SaveGetList()
    {
        await using var server = await GridServer.StartAsync();
        await using var client = await WsClient.ConnectAuthenticatedAsync(server);
        var id = GridServer.NewId("lamp");
        await client.OkAsync(Message("device/save", ("deviceId", id), ("device", new JsonObject
        {
            ["name"] = "kitchen-lamp",
            ["data"] = new JsonObject { ["watts"] = 9 },
            ["networkId"] = 40,
            ["deviceTypeId"] = 2,
        })));
        var device = (await client.OkAsync(Message("device/get", ("deviceId", id))))["device"]!;
        Assert.Equal(id, (string?)device["id"]);
        Assert.Equal("kitchen-lamp", (string?)device["name"]);
        Assert.Equal(9, (int)device["data"]!["watts"]!);
        Assert.Equal(40, (long)device["networkId"]!);
        Assert.Equal(2, (long)device["deviceTypeId"]!);
        Assert.False((bool)device["isBlocked"]!);

        await client.OkAsync(Message("device/save", ("deviceId", GridServer.NewId("fan")), ("device", new JsonObject { ["name"] = "kitchen-fan", ["networkId"] = 41 })));
        await client.OkAsync(Message("device/save", ("deviceId", GridServer.NewId("tv")), ("device", new JsonObject { ["name"] = "lounge-tv", ["networkId"] = 40 })));
        static string[] Names(JsonObject reply) => [.. reply["devices"]!.AsArray().Select(d => (string)d!["name"]!).Order()];
        Assert.Equal(["kitchen-fan", "kitchen-lamp", "lounge-tv"], Names(await client.OkAsync(Message("device/list"))));
        Assert.Equal(["kitchen-fan", "kitchen-lamp"], Names(await client.OkAsync(Message("device/list", ("namePattern", "kitchen%")))));
        Assert.Equal(["kitchen-lamp"], Names(await client.OkAsync(Message("device/list", ("name", "kitchen-lamp")))));
        Assert.Equal(["kitchen-lamp", "lounge-tv"], Names(await client.OkAsync(Message("device/list", ("networkId", 40)))));
        Assert.Equal(["lounge-tv"], Names(await client.OkAsync(Message("device/list", ("namePattern", "%-t_")))));
        Assert.Single((await client.OkAsync(Message("device/list", ("take", 1))))["devices"]!.AsArray());

        await using var scoped = await WsClient.ConnectAuthenticatedAsync(server, GridServer.Token(networks: ["41"]));
        Assert.Equal(["kitchen-fan"], Names(await scoped.OkAsync(Message("device/list"))));
    }

    [Fact]
    public async Task Device_Errors()
    {
        await using var server = await GridServer.StartAsync();
        var existing = await RegisterDeviceAsync(server, networkId: 50);
        await using var client = await WsClient.ConnectAuthenticatedAsync(server);
        await client.ErrorAsync(Message("device/get", ("deviceId", "ghost")), 404, "Device with such deviceId = ghost not found");
        await client.ErrorAsync(Message("device/get", ("deviceId", "")), 400, "Device id is wrong or empty");
        await client.ErrorAsync(Message("device/save", ("deviceId", "ok-id")), 400);
        await client.ErrorAsync(Message("device/save", ("deviceId", "ok-id"), ("device", new JsonObject { ["networkId"] = "x" })), 400);
        await client.ErrorAsync(Message("device/save", ("deviceId", "ok-id"), ("device", new JsonObject { ["data"] = "x" })), 400);
        await client.ErrorAsync(Message("device/list", ("take", 0)), 400);
        await using var readOnly = await WsClient.ConnectAuthenticatedAsync(server, GridServer.Token(actions: [3]));
        await readOnly.ErrorAsync(Message("device/save", ("deviceId", "ok-id"), ("device", new JsonObject { ["name"] = "n" })), 403, "Access is denied");
        await using var otherNetwork = await WsClient.ConnectAuthenticatedAsync(server, GridServer.Token(networks: ["51"]));
        await otherNetwork.ErrorAsync(Message("device/get", ("deviceId", existing)), 403, "Access is denied");
        await otherNetwork.ErrorAsync(Message("device/save", ("deviceId", existing), ("device", new JsonObject { ["networkId"] = 51 })), 403, "Access is denied");
        await using var noDevices = await WsClient.ConnectAuthenticatedAsync(server, GridServer.Token(actions: [7]));
        await noDevices.ErrorAsync(Message("device/list"), 403, "Access is denied");
        await client.ErrorAsync(Message("device/get", ("deviceId", "ok-id")), 404);
    }
}
