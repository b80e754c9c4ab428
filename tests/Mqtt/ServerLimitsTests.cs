using System.Text;
using CommandGrid.Mqtt.Packets;
using CommandGrid.Mqtt.Server;
using CommandGrid.Tests.Infrastructure;
using CommandGrid.Tests.Mqtt.Infrastructure;
using Xunit;

namespace CommandGrid.Tests.Mqtt;

/// <summary>The overflow policy and shutdown, each on a host of its own with small limits.</summary>
public sealed class ServerLimitsTests
{
    private static MqttApplicationMessage Message(string topic, string payload, MqttQualityOfService qos) =>
        new() { Topic = topic, Payload = Encoding.UTF8.GetBytes(payload), QualityOfService = qos };

    [Fact]
    public async Task ConnectionLimit_ConnectPastTheLimitIsRefusedAndTheOpenOnesKeepWorking()
    {
        await using var host = await MqttTestHost.StartAsync(o => o.MaxConnections = 2);
        var first = TestTimeouts.NewClientId();
        await using var one = await RawMqttClient.ConnectAsync(host.MqttPort, first);
        var second = TestTimeouts.NewClientId();
        var two = await RawMqttClient.ConnectAsync(host.MqttPort, second);

        // 5.0: 0x97 Quota exceeded, with a reason string, then the connection closes.
        await using var third = await RawMqttClient.OpenAsync(host.MqttPort);
        var refused = await third.ConnectRawAsync(TestTimeouts.NewClientId());
        Assert.Equal(MqttReasonCode.QuotaExceeded, refused.ReasonCode);
        Assert.Contains("connection limit", refused.Properties.ReasonString);
        Assert.Empty(await third.ReadUntilClosedAsync());
        // 3.1.1 has no quota code: 0x03 Server unavailable, which its clients retry.
        await using var old = await RawMqttClient.OpenAsync(host.MqttPort, MqttProtocolVersion.V311);
        Assert.Equal(MqttReasonCode.ServerUnavailable, (await old.ConnectRawAsync(TestTimeouts.NewClientId())).ReasonCode);
        await host.Events.WaitForAsync($"refused {MqttPacketType.Connect} {MqttReasonCode.QuotaExceeded}");
        Assert.Equal(2, host.Server.ConnectionLimit.Refused);
        Assert.True(host.Server.ConnectionLimit.RefusedWithin(TimeSpan.FromMinutes(10)));

        // The connections already open are untouched, and a place freed is taken again.
        await one.PingAsync();
        await two.DisposeAsync();
        await host.Application.WaitForEndAsync(second);
        // The place is free once the transport's connection is gone, which follows the session's end.
        await Eventually.TrueAsync(() => Task.FromResult(host.Server.OpenConnections == 1), TestTimeouts.Default, "the closed connection to be released");
        await using var again = await RawMqttClient.ConnectAsync(host.MqttPort, TestTimeouts.NewClientId());
        await again.PingAsync();
        await one.PingAsync();
    }

    [Fact]
    public async Task ConnectRate_ConnectOverTheRateIsRefusedWithServerBusyAndTheOpenOnesKeepWorking()
    {
        // One token, and the next in 100 s: the second CONNECT finds the bucket empty whatever the machine's speed.
        await using var host = await MqttTestHost.StartAsync(o => o.MaxConnectsPerSecond = 0.01);
        await using var first = await RawMqttClient.ConnectAsync(host.MqttPort, TestTimeouts.NewClientId());

        await using var busy = await RawMqttClient.OpenAsync(host.MqttPort);
        var refused = await busy.ConnectRawAsync(TestTimeouts.NewClientId());
        Assert.Equal(MqttReasonCode.ServerBusy, refused.ReasonCode);
        Assert.Contains("connect rate", refused.Properties.ReasonString);
        Assert.Empty(await busy.ReadUntilClosedAsync());
        await using var old = await RawMqttClient.OpenAsync(host.MqttPort, MqttProtocolVersion.V311);
        Assert.Equal(MqttReasonCode.ServerUnavailable, (await old.ConnectRawAsync(TestTimeouts.NewClientId())).ReasonCode);
        await host.Events.WaitForAsync($"refused {MqttPacketType.Connect} {MqttReasonCode.ServerBusy}");
        Assert.Equal(2, host.Server.ConnectRate.Refused);
        Assert.True(host.Server.ConnectRate.RefusedWithin(TimeSpan.FromMinutes(10)));
        // Refused before authentication: the application never saw them.
        Assert.Single(host.Application.ConnectRequests);

        await first.PingAsync();
    }

    [Fact]
    public async Task Overflow_FullSessionQueueDropsAndDisconnectsWithQuotaExceeded()
    {
        await using var host = await MqttTestHost.StartAsync(o => o.MaxPendingMessagesPerSession = 2);
        var clientId = TestTimeouts.NewClientId();
        var prefix = TestMqttApplication.AllowedPrefix(clientId);
        await using var client = await RawMqttClient.ConnectAsync(host.MqttPort, clientId, cleanStart: false,
            properties: new MqttProperties { ReceiveMaximum = 1, SessionExpiryInterval = 60 });
        await client.SubscribeAsync(1, prefix + "#");

        var statuses = new List<MqttDeliveryStatus>();
        for (var i = 0; i < 4; i++)
        {
            statuses.Add((await host.Server.PublishAsync(clientId, Message(prefix + "m", i.ToString(), MqttQualityOfService.AtLeastOnce))).Status);
        }

        Assert.Equal([MqttDeliveryStatus.Delivered, MqttDeliveryStatus.Queued, MqttDeliveryStatus.Queued, MqttDeliveryStatus.Dropped], statuses);
        var packets = await client.ReadUntilClosedAsync();
        Assert.Equal(MqttReasonCode.QuotaExceeded, Assert.IsType<MqttDisconnectPacket>(packets[^1]).ReasonCode);
        await host.Application.WaitForEndAsync(clientId, MqttSessionEndReason.QuotaExceeded);

        // The session kept what it had accepted: all three come back on reconnect, the first as a resend.
        await using var again = await RawMqttClient.OpenAsync(host.MqttPort);
        Assert.True((await again.ConnectRawAsync(clientId, cleanStart: false, properties: new MqttProperties { SessionExpiryInterval = 60 })).SessionPresent);
        var payloads = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var publish = await again.ReceiveAsync<MqttPublishPacket>();
            payloads.Add(Encoding.UTF8.GetString(publish.Payload.Span));
            await again.SendAsync(new MqttPubAckPacket { PacketId = publish.PacketId });
        }

        Assert.Equal(["0", "1", "2"], payloads);
    }

    [Fact]
    public async Task Overflow_OfflineSessionQueueRefusesNewMessagesWhenFull()
    {
        await using var host = await MqttTestHost.StartAsync(o => o.MaxPendingMessagesPerSession = 1);
        var clientId = TestTimeouts.NewClientId();
        var prefix = TestMqttApplication.AllowedPrefix(clientId);
        await using (var client = await RawMqttClient.ConnectAsync(host.MqttPort, clientId, MqttProtocolVersion.V311, cleanStart: false))
        {
            await client.SubscribeAsync(1, prefix + "#");
        }

        await host.Application.WaitForEndAsync(clientId, MqttSessionEndReason.ConnectionLost);
        Assert.Equal(MqttDeliveryStatus.Queued, (await host.Server.PublishAsync(clientId, Message(prefix + "a", "1", MqttQualityOfService.AtLeastOnce))).Status);
        var second = await host.Server.PublishAsync(clientId, Message(prefix + "a", "2", MqttQualityOfService.AtLeastOnce));
        Assert.Equal(MqttDeliveryStatus.Dropped, second.Status);
        Assert.False(await second.Acknowledged);
    }

    [Fact]
    public async Task Shutdown_SendsServerShuttingDownTo50Clients()
    {
        var host = await MqttTestHost.StartAsync();
        await using var client = await RawMqttClient.ConnectAsync(host.MqttPort, TestTimeouts.NewClientId());
        var closing = client.ReadUntilClosedAsync();
        await host.DisposeAsync();
        var disconnect = Assert.IsType<MqttDisconnectPacket>(Assert.Single(await closing));
        Assert.Equal(MqttReasonCode.ServerShuttingDown, disconnect.ReasonCode);
    }
}
