using Xunit;
using CommandGrid.Tests.Infrastructure;
using static CommandGrid.Tests.WebSockets.WsKit;

namespace CommandGrid.Tests.WebSockets;

/// <summary>The DeviceHive API driven by a client not written in C#: the npm "ws" package under node.</summary>
public sealed class WebSocketNodeClientTests
{
    [Fact]
    public async Task NodeWs_DeviceAnswersAndCreatorReceivesCommandUpdate()
    {
        await using var server = await GridServer.StartAsync();
        var device = await RegisterDeviceAsync(server);
        var url = server.WebSocketUri.ToString();
        await using var deviceScript = await NodeWsScript.StartAsync("device.js", url, GridServer.Token(userId: 50, devices: [device]), device, "done");
        var subscribed = await deviceScript.WaitForEventAsync("subscribed");

        await using var creatorScript = await NodeWsScript.StartAsync("creator.js", url, GridServer.Token(userId: 51), device, "set-speed");
        Assert.NotNull((string?)(await creatorScript.WaitForEventAsync("info"))["info"]!["apiVersion"]);
        var error = await creatorScript.WaitForEventAsync("error-reply");
        Assert.Equal(404, (int)error["code"]!);
        var inserted = await creatorScript.WaitForEventAsync("inserted");
        var id = (long)inserted["command"]!["id"]!;
        Assert.Equal(51, (long)inserted["command"]!["userId"]!);

        var received = await deviceScript.WaitForEventAsync("insert");
        Assert.Equal((long)subscribed["subscriptionId"]!, (long)received["subscriptionId"]!);
        Assert.Equal(id, (long)received["command"]!["id"]!);
        Assert.Equal("set-speed", (string?)received["command"]!["command"]);
        Assert.Equal(3, (int)received["command"]!["parameters"]!["speed"]!);
        await deviceScript.WaitForEventAsync("updated");

        var update = await creatorScript.WaitForEventAsync("update");
        Assert.Equal(id, (long)update["command"]!["id"]!);
        Assert.Equal("done", (string?)update["command"]!["status"]);
        Assert.Equal("node-ws", (string?)update["command"]!["result"]!["handledBy"]);
        Assert.Null((long?)update["subscriptionId"]);
        Assert.Equal(0, await creatorScript.WaitForExitAsync());
        Assert.Equal(0, await deviceScript.WaitForExitAsync());

        var rest = await RestExecutionAsync(server, id);
        Assert.Equal("SUCCEEDED", (string?)rest["status"]);
        Assert.Equal(3, (int)rest["result"]!["echo"]!["speed"]!);
    }
}
