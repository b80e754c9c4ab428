using System.Text;
using System.Text.Json.Nodes;
using CommandGrid.Mqtt.Packets;
using CommandGrid.Mqtt.Server;
using CommandGrid.Tests.Mqtt.Infrastructure;
using Xunit;

namespace CommandGrid.Tests.Mqtt;

/// <summary>MQTT.js 5.16 (protocolVersion 4 and 5) against the engine, over TCP and WebSocket.</summary>
public sealed class MqttJsTests : IAsyncLifetime
{
    private MqttTestHost _host = null!;

    public async Task InitializeAsync() => _host = await MqttTestHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private string TcpUrl => $"mqtt://127.0.0.1:{_host.MqttPort}";

    private static MqttApplicationMessage Message(string topic, string payload, MqttQualityOfService qos) =>
        new() { Topic = topic, Payload = Encoding.UTF8.GetBytes(payload), QualityOfService = qos };

    private static int Code(JsonObject e) => (int?)e["code"] ?? -1;

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public async Task MqttJs_ReceivesServerPublishAtQos1And2(int version)
    {
        var clientId = TestTimeouts.NewClientId("js");
        var prefix = TestMqttApplication.AllowedPrefix(clientId);
        await using var client = await NodeMqttClient.StartAsync(TcpUrl, clientId, version);
        await client.WaitForAsync("connect");
        var subscribed = await client.RequestAsync("subscribe", new { topic = prefix + "#", qos = 2 }, "subscribed");
        Assert.Equal(2, (int)subscribed["granted"]![0]!);

        var q1 = await _host.Server.PublishAsync(clientId, Message(prefix + "cmd/1", "one", MqttQualityOfService.AtLeastOnce));
        var q2 = await _host.Server.PublishAsync(clientId, Message(prefix + "cmd/2", "two", MqttQualityOfService.ExactlyOnce));
        Assert.Equal(MqttDeliveryStatus.Delivered, q1.Status);
        Assert.Equal(MqttDeliveryStatus.Delivered, q2.Status);

        var m1 = await client.WaitForAsync("message", e => (string?)e["payload"] == "one");
        var m2 = await client.WaitForAsync("message", e => (string?)e["payload"] == "two");
        Assert.Equal(1, (int)m1["qos"]!);
        Assert.Equal(2, (int)m2["qos"]!);
        Assert.True(await q1.Acknowledged.WaitAsync(TestTimeouts.Default));
        Assert.True(await q2.Acknowledged.WaitAsync(TestTimeouts.Default));
    }

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public async Task MqttJs_PublishesAtQos1And2AndHookReceivesEachOnce(int version)
    {
        var clientId = TestTimeouts.NewClientId("js");
        var prefix = TestMqttApplication.AllowedPrefix(clientId);
        await using var client = await NodeMqttClient.StartAsync(TcpUrl, clientId, version);
        await client.WaitForAsync("connect");
        foreach (var qos in new[] { 0, 1, 2 })
        {
            var published = await client.RequestAsync("publish", new { topic = prefix + "resp", payload = $"q{qos}", qos }, "published");
            Assert.Null((string?)published["error"]);
        }

        await _host.Application.WaitForMessagesAsync(clientId, 3);
        await client.RequestAsync("subscribe", new { topic = prefix + "x", qos = 0 }, "subscribed");
        var messages = _host.Application.MessagesFrom(clientId);
        Assert.Equal(["q0", "q1", "q2"], messages.Select(m => Encoding.UTF8.GetString(m.Payload.Span)));
        Assert.Equal([MqttQualityOfService.AtMostOnce, MqttQualityOfService.AtLeastOnce, MqttQualityOfService.ExactlyOnce], messages.Select(m => m.QualityOfService));
    }

    [Theory]
    [InlineData(4, 128)]
    [InlineData(5, 135)]
    public async Task MqttJs_UnauthorizedSubscribeIsRefusedAndConnectionStaysUsable(int version, int refused)
    {
        var clientId = TestTimeouts.NewClientId("js");
        var prefix = TestMqttApplication.AllowedPrefix(clientId);
        await using var client = await NodeMqttClient.StartAsync(TcpUrl, clientId, version);
        await client.WaitForAsync("connect");
        var denied = await client.RequestAsync("subscribe", new { topic = "devices/not-mine/#", qos = 1 }, "subscribed");
        // MQTT.js reports a refused filter as an error; the SUBACK's own code is passed on.
        Assert.NotNull((string?)denied["error"]);
        Assert.Equal(refused, (int)denied["granted"]![0]!);

        var allowed = await client.RequestAsync("subscribe", new { topic = prefix + "#", qos = 1 }, "subscribed");
        Assert.Equal(1, (int)allowed["granted"]![0]!);
        await _host.Server.PublishAsync(clientId, Message(prefix + "after", "still here", MqttQualityOfService.AtLeastOnce));
        await client.WaitForAsync("message", e => (string?)e["payload"] == "still here");
        Assert.False(client.Saw("close"));
    }

    [Fact]
    public async Task MqttJs_V5UnauthorizedPublishGetsNotAuthorized()
    {
        var clientId = TestTimeouts.NewClientId("js");
        await using var client = await NodeMqttClient.StartAsync(TcpUrl, clientId, 5);
        await client.WaitForAsync("connect");
        var published = await client.RequestAsync("publish", new { topic = "devices/not-mine/x", payload = "p", qos = 1 }, "published");
        Assert.Equal(135, Code(published));
        var ok = await client.RequestAsync("publish", new { topic = TestMqttApplication.AllowedPrefix(clientId) + "x", payload = "p", qos = 1 }, "published");
        Assert.Null((string?)ok["error"]);
    }

    [Theory]
    [InlineData(4, 4)]
    [InlineData(5, 134)]
    public async Task MqttJs_WrongPasswordIsRefused(int version, int expectedCode)
    {
        var clientId = TestTimeouts.NewClientId("js");
        await using var client = await NodeMqttClient.StartAsync(TcpUrl, clientId, version, password: "wrong");
        var error = await client.WaitForAsync("error");
        Assert.Equal(expectedCode, Code(error));
        Assert.False(client.Saw("connect"));
    }

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public async Task MqttJs_SameClientIdTakesTheSessionOver(int version)
    {
        var clientId = TestTimeouts.NewClientId("js");
        await using var first = await NodeMqttClient.StartAsync(TcpUrl, clientId, version);
        await first.WaitForAsync("connect");
        await using var second = await NodeMqttClient.StartAsync(TcpUrl, clientId, version);
        await second.WaitForAsync("connect");
        if (version == 5)
        {
            var disconnect = await first.WaitForAsync("disconnect");
            Assert.Equal(0x8E, (int)disconnect["reasonCode"]!);
        }

        await first.WaitForAsync("close");
        await _host.Application.WaitForEndAsync(clientId, MqttSessionEndReason.TakenOver);
        var prefix = TestMqttApplication.AllowedPrefix(clientId);
        await second.RequestAsync("subscribe", new { topic = prefix + "#", qos = 1 }, "subscribed");
        await _host.Server.PublishAsync(clientId, Message(prefix + "a", "to the new one", MqttQualityOfService.AtLeastOnce));
        await second.WaitForAsync("message", e => (string?)e["payload"] == "to the new one");
    }

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public async Task MqttJs_PersistentSessionReceivesMessagesQueuedWhileOffline(int version)
    {
        var clientId = TestTimeouts.NewClientId("js");
        var prefix = TestMqttApplication.AllowedPrefix(clientId);
        object? properties = version == 5 ? new { sessionExpiryInterval = 300 } : null;
        await using (var client = await NodeMqttClient.StartAsync(TcpUrl, clientId, version, clean: false, properties: properties))
        {
            await client.WaitForAsync("connect");
            await client.RequestAsync("subscribe", new { topic = prefix + "#", qos = 1 }, "subscribed");
            await client.SendAsync("end");
            await client.WaitForAsync("ended");
        }

        await _host.Application.WaitForEndAsync(clientId, MqttSessionEndReason.ClientDisconnected);
        var queued = await _host.Server.PublishAsync(clientId, Message(prefix + "cmd", "while you were out", MqttQualityOfService.AtLeastOnce));
        Assert.Equal(MqttDeliveryStatus.Queued, queued.Status);

        await using var again = await NodeMqttClient.StartAsync(TcpUrl, clientId, version, clean: false, properties: properties);
        var connect = await again.WaitForAsync("connect");
        Assert.True((bool)connect["sessionPresent"]!);
        await again.WaitForAsync("message", e => (string?)e["payload"] == "while you were out");
        Assert.True(await queued.Acknowledged.WaitAsync(TestTimeouts.Default));
    }

    [Fact]
    public async Task MqttJs_V5PropertiesTravelBothWays()
    {
        var clientId = TestTimeouts.NewClientId("js");
        var prefix = TestMqttApplication.AllowedPrefix(clientId);
        await using var client = await NodeMqttClient.StartAsync(TcpUrl, clientId, 5);
        await client.WaitForAsync("connect");
        await client.RequestAsync("publish", new
        {
            topic = prefix + "resp",
            payload = "{}",
            qos = 1,
            properties = new { responseTopic = prefix + "reply", correlationData = "corr-1", contentType = "application/json", userProperties = new { trace = "t-1" } },
        }, "published");
        await _host.Application.WaitForMessagesAsync(clientId, 1);
        var received = Assert.Single(_host.Application.MessagesFrom(clientId));
        Assert.Equal(prefix + "reply", received.ResponseTopic);
        Assert.Equal("corr-1", Encoding.UTF8.GetString(received.CorrelationData!));
        Assert.Equal("application/json", received.ContentType);
        Assert.Contains(new MqttUserProperty("trace", "t-1"), received.UserProperties);

        await client.RequestAsync("subscribe", new { topic = prefix + "#", qos = 1 }, "subscribed");
        await _host.Server.PublishAsync(clientId, Message(prefix + "cmd", "with props", MqttQualityOfService.AtLeastOnce) with
        {
            ResponseTopic = prefix + "resp",
            CorrelationData = Encoding.UTF8.GetBytes("corr-2"),
            UserProperties = [new("cmd", "reboot")],
        });
        var message = await client.WaitForAsync("message");
        var properties = message["properties"]!.AsObject();
        Assert.Equal(prefix + "resp", (string?)properties["responseTopic"]);
        Assert.Equal("corr-2", (string?)properties["correlationData"]);
        Assert.Equal("reboot", (string?)properties["userProperties"]!["cmd"]);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public async Task MqttJs_WorksOverWebSocket(int version)
    {
        var clientId = TestTimeouts.NewClientId("ws");
        var prefix = TestMqttApplication.AllowedPrefix(clientId);
        await using var client = await NodeMqttClient.StartAsync(_host.WebSocketUrl, clientId, version);
        await client.WaitForAsync("connect");
        var subscribed = await client.RequestAsync("subscribe", new { topic = prefix + "#", qos = 1 }, "subscribed");
        Assert.Equal(1, (int)subscribed["granted"]![0]!);
        var published = await client.RequestAsync("publish", new { topic = prefix + "resp", payload = "over ws", qos = 2 }, "published");
        Assert.Null((string?)published["error"]);
        await _host.Application.WaitForMessagesAsync(clientId, 1);

        var result = await _host.Server.PublishAsync(clientId, Message(prefix + "cmd", "to ws", MqttQualityOfService.AtLeastOnce));
        Assert.Equal(MqttDeliveryStatus.Delivered, result.Status);
        await client.WaitForAsync("message", e => (string?)e["payload"] == "to ws");
        Assert.True(await result.Acknowledged.WaitAsync(TestTimeouts.Default));
        await client.SendAsync("end");
        await client.WaitForAsync("ended");
        await _host.Application.WaitForEndAsync(clientId, MqttSessionEndReason.ClientDisconnected);
    }
}
