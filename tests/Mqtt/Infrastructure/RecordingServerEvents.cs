using System.Collections.Concurrent;
using CommandGrid.Mqtt.Packets;
using CommandGrid.Mqtt.Server;

namespace CommandGrid.Tests.Mqtt.Infrastructure;

/// <summary>The events the MQTT test host's server reports, in order, as "opened V500", "closed V311", "refused Connect BadUserNameOrPassword".</summary>
public sealed class RecordingServerEvents : IMqttServerEvents
{
    public AsyncCondition Changed { get; } = new();

    public ConcurrentQueue<string> Recorded { get; } = new();

    public void ConnectionOpened(MqttProtocolVersion version) => Record($"opened {version}");

    public void ConnectionClosed(MqttProtocolVersion version) => Record($"closed {version}");

    public void Refused(MqttPacketType packetType, MqttReasonCode reason) => Record($"refused {packetType} {reason}");

    public Task WaitForAsync(string entry) =>
        Changed.WaitAsync(() => Recorded.Contains(entry), TestTimeouts.Default, $"the server to report \"{entry}\"");

    private void Record(string entry)
    {
        Recorded.Enqueue(entry);
        Changed.Notify();
    }
}
