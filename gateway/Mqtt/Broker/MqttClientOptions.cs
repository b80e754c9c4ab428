using CommandGrid.Gateway.Mqtt.Packets;

namespace CommandGrid.Gateway.Mqtt.Broker;

/// <summary>How <see cref="MqttClientConnection"/> reaches its broker.</summary>
public sealed record MqttClientOptions
{
    public required string Host { get; init; }
    public int Port { get; init; } = 1883;
    public required string ClientId { get; init; }
    public string? UserName { get; init; }
    public string? Password { get; init; }
    public MqttProtocolVersion ProtocolVersion { get; init; } = MqttProtocolVersion.V500;
    public ushort KeepAliveSeconds { get; init; } = 30;

    /// <summary>
    /// 5.0 session expiry the client asks for. The first connection of a process starts clean; reconnects
    /// resume the session, so QoS 1 messages the broker queued during a short outage are not lost. Zero: always clean.
    /// </summary>
    public uint SessionExpirySeconds { get; init; } = 60;

    /// <summary>Upper bound of QoS 1 publishes awaiting PUBACK (further lowered by the broker's Receive Maximum).</summary>
    public int MaxInflight { get; init; } = 256;

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan MinReconnectDelay { get; init; } = TimeSpan.FromMilliseconds(100);
    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Reads <c>mqtt://host:port</c> (or <c>tcp://</c>; port 1883 when absent).</summary>
    public static (string Host, int Port) ParseUri(string uri)
    {
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("mqtt" or "tcp"))
        {
            throw new ArgumentException($"'{uri}': the broker must be given as mqtt://host:port (TLS is not supported; use a local TLS proxy).");
        }
        return (parsed.Host.Trim('[', ']'), parsed.Port > 0 ? parsed.Port : 1883);
    }
}
