using Xunit;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using CommandGrid.Tests.Infrastructure;
using static CommandGrid.Tests.WebSockets.WsKit;

namespace CommandGrid.Tests.WebSockets;

public sealed class WebSocketOverflowTests
{
    [Fact]
    public async Task Overflow_ClientThatNeverReads_IsClosedWhileOthersKeepGoing()
    {
        await using var server = await GridServer.StartAsync(settings: new Dictionary<string, string?>
        {
            ["WebSocket:SendQueueCapacity"] = "8",
            ["WebSocket:SendTimeoutSeconds"] = "2",
        });
        var device = await RegisterDeviceAsync(server);

        // A subscriber that stops reading after its subscription is confirmed.
        using var stuck = new ClientWebSocket();
        await stuck.ConnectAsync(server.WebSocketUri, CancellationToken.None);
        await SendAsync(stuck, Message("authenticate", ("token", GridServer.Token()), ("requestId", 1)));
        await SendAsync(stuck, Message("command/subscribe", ("requestId", 2)));
        var buffer = new byte[64 * 1024];
        for (var replies = 0; replies < 2;)
        {
            var result = await stuck.ReceiveAsync(buffer, CancellationToken.None);
            replies += result.EndOfMessage ? 1 : 0;
        }

        await using var healthy = await WsClient.ConnectAuthenticatedAsync(server);
        await healthy.OkAsync(Message("command/subscribe", ("deviceId", device)));
        await using var user = await WsClient.ConnectAuthenticatedAsync(server);
        var big = new JsonObject { ["blob"] = new string('z', 60 * 1024) };
        var ids = new List<long>();
        for (var i = 0; i < 150; i++)
        {
            ids.Add(await InsertAsync(user, device, "big", (JsonObject)big.DeepClone()));
        }
        // The healthy subscriber got every push; the stuck one did not hold anybody up.
        foreach (var id in ids)
        {
            await healthy.WaitForPushAsync("command/insert", m => (long)m["command"]!["id"]! == id);
        }

        // The stuck connection was closed by the server: draining it ends in a close or a reset.
        var ended = DrainAsync(stuck, buffer);
        Assert.Same(ended, await Task.WhenAny(ended, Task.Delay(WsClient.Timeout)));
        await healthy.OkAsync(Message("server/info"));
    }

    private static Task SendAsync(ClientWebSocket socket, JsonObject message) =>
        socket.SendAsync(System.Text.Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, CancellationToken.None);

    private static async Task DrainAsync(ClientWebSocket socket, byte[] buffer)
    {
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
            }
        }
        catch (WebSocketException)
        {
        }
    }
}
