using CommandGrid.Mqtt.Packets;
using CommandGrid.Tests.Mqtt.Infrastructure;
using Xunit;

namespace CommandGrid.Tests.Mqtt;

/// <summary>What the engine tells its host through IMqttServerEvents (the gateway counts it on the doors' metrics).</summary>
public sealed class ServerEventsTests : IAsyncLifetime
{
    private MqttTestHost _host = null!;

    public async Task InitializeAsync() => _host = await MqttTestHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task Events_AcceptedConnectionIsReportedOpenedThenClosed(MqttProtocolVersion version)
    {
        var client = await RawMqttClient.ConnectAsync(_host.MqttPort, TestTimeouts.NewClientId(), version);
        await _host.Events.WaitForAsync($"opened {version}");

        await client.DisposeAsync();

        await _host.Events.WaitForAsync($"closed {version}");
        Assert.Equal([$"opened {version}", $"closed {version}"], _host.Events.Recorded);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task Events_RefusedConnectIsReportedWithItsReasonAndNeverOpened(MqttProtocolVersion version)
    {
        await using var client = await RawMqttClient.OpenAsync(_host.MqttPort, version);
        await client.ConnectRawAsync(TestTimeouts.NewClientId(), password: "wrong");
        await client.ReadUntilClosedAsync();

        await _host.Events.WaitForAsync("refused Connect BadUserNameOrPassword");
        Assert.Equal(["refused Connect BadUserNameOrPassword"], _host.Events.Recorded);
    }

    [Fact]
    public async Task Events_RefusedSubscribeAndPublishAreReported()
    {
        await using var client = await RawMqttClient.ConnectAsync(_host.MqttPort, TestTimeouts.NewClientId());
        await client.SubscribeAsync(1, "devices/someone-else/#");
        await client.SendAsync(new MqttPublishPacket { Topic = "devices/someone-else/x", QualityOfService = MqttQualityOfService.AtLeastOnce, PacketId = 2, Payload = new byte[] { 1 } });
        await client.ReceiveAsync<MqttPubAckPacket>();

        Assert.Equal(["opened V500", "refused Subscribe NotAuthorized", "refused Publish NotAuthorized"], _host.Events.Recorded);
    }
}
