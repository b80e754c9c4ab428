using System.Diagnostics.Metrics;
using CommandGrid.Mqtt.Packets;
using CommandGrid.Mqtt.Server;
using CommandGrid.Tests.Infrastructure;
using CommandGrid.Tests.Mqtt.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Xunit;

namespace CommandGrid.Tests.Mqtt;

/// <summary>
/// Refused SUBSCRIBE filters and PUBLISHes through a real socket: counted on the "CommandGrid.Mqtt" meter
/// and logged with client, topic and reason, at most once per client per interval.
/// </summary>
public sealed class RefusalTests : IAsyncLifetime
{
    private readonly CapturedLogs _logs = new();
    private MetricCollector<long> _counted = null!;
    private MqttTestHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await MqttTestHost.StartAsync(o => o.RefusalLogIntervalSeconds = 1, _logs);
        // This host's meter only: other tests' hosts in this process count on meters of the same name.
        _counted = new MetricCollector<long>(_host.Services.GetRequiredService<IMeterFactory>(), MqttRefusals.MeterName, MqttRefusals.CounterName);
    }

    public async Task DisposeAsync()
    {
        _counted.Dispose();
        await _host.DisposeAsync();
    }

    /// <summary>Every refusal counted so far, one entry per unit counted.</summary>
    private List<(string Reason, string PacketType)> Refusals() =>
        [.. _counted.GetMeasurementSnapshot().SelectMany(m => Enumerable.Repeat(((string)m.Tags["reason"]!, (string)m.Tags["packet_type"]!), (int)m.Value))];

    private List<CapturedLogEntry> RefusalLines(string clientId) =>
        [.. _logs.Entries.Where(e => e.Fields.TryGetValue("ClientId", out var id) && (string?)id == clientId && e.Fields.ContainsKey("Suppressed"))];

    private static async Task PublishRefusedAsync(RawMqttClient client, ushort packetId)
    {
        await client.SendAsync(new MqttPublishPacket { Topic = "devices/other/x", QualityOfService = MqttQualityOfService.AtLeastOnce, PacketId = packetId, Payload = new byte[] { 1 } });
        Assert.Equal(MqttReasonCode.NotAuthorized, (await client.ReceiveAsync<MqttPubAckPacket>()).ReasonCode);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task Refusal_ForeignSubscribeIsCountedAndLogged(MqttProtocolVersion version)
    {
        var clientId = TestTimeouts.NewClientId();
        await using var client = await RawMqttClient.ConnectAsync(_host.MqttPort, clientId, version);

        await client.SendAsync(new MqttSubscribePacket { PacketId = 7, Subscriptions = [new MqttSubscription("devices/someone-else/#", MqttQualityOfService.AtLeastOnce)] });
        var subAck = await client.ReceiveAsync<MqttSubAckPacket>();
        Assert.True(subAck.ReasonCodes[0] >= MqttReasonCode.UnspecifiedError);

        // Counted and logged before the SUBACK is queued, so both are there once it arrived.
        Assert.Equal([("NotAuthorized", "subscribe")], Refusals());
        var line = Assert.Single(RefusalLines(clientId));
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, line.Level);
        Assert.Equal("devices/someone-else/#", line.Fields["Topic"]);
        Assert.Equal(MqttReasonCode.NotAuthorized, line.Fields["Reason"]);
        Assert.Equal(MqttPacketType.Subscribe, line.Fields["PacketType"]);
        Assert.Equal(0, line.Fields["Suppressed"]);
    }

    [Fact]
    public async Task Refusal_LogIsRateLimitedPerClientAndEveryRefusalCounted()
    {
        var noisy = TestTimeouts.NewClientId("noisy");
        var other = TestTimeouts.NewClientId("other");
        await using var noisyClient = await RawMqttClient.ConnectAsync(_host.MqttPort, noisy);
        await using var otherClient = await RawMqttClient.ConnectAsync(_host.MqttPort, other);

        ushort packetId = 1;
        for (; packetId <= 3; packetId++)
        {
            await PublishRefusedAsync(noisyClient, packetId);
        }
        await PublishRefusedAsync(otherClient, 1);
        Assert.Single(RefusalLines(noisy));
        Assert.Single(RefusalLines(other));

        // Once the interval has passed, the next refusal is logged with the count of those left out.
        await Eventually.TrueAsync(async () =>
        {
            await PublishRefusedAsync(noisyClient, packetId++);
            return RefusalLines(noisy).Count == 2;
        }, TestTimeouts.Default, "a second refusal line for the noisy client");

        var noisyRefusals = packetId - 1;
        Assert.Equal(noisyRefusals + 1, Refusals().Count(r => r == ("NotAuthorized", "publish")));
        Assert.Equal(noisyRefusals - 2, RefusalLines(noisy)[1].Fields["Suppressed"]);
        await noisyClient.PingAsync();
    }
}
