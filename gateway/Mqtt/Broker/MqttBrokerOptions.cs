namespace CommandGrid.Gateway.Mqtt.Broker;

/// <summary>Broker mode (configuration section "Mqtt", keys prefixed "Broker"). Off unless <see cref="Broker"/> is set.</summary>
public sealed class MqttBrokerOptions
{
    /// <summary><c>mqtt://host:port</c> of the external broker; empty disables broker mode.</summary>
    public string? Broker { get; set; }

    public string? BrokerUsername { get; set; }

    public string? BrokerPassword { get; set; }

    /// <summary>Client id at the broker; default <c>commandgrid-gw-{random}</c>, so every gateway process is a distinct member of the share group.</summary>
    public string? BrokerClientId { get; set; }

    /// <summary>
    /// The shared-subscription group the gateways split device responses in. Empty: a plain subscription,
    /// for brokers that do not deliver <c>$</c>-topics to <c>$share</c> (mosquitto 2.0.11, Debian bookworm);
    /// several gateways then split the work by <see cref="BrokerPartition"/>.
    /// </summary>
    public string BrokerShareGroup { get; set; } = "commandgrid";

    /// <summary>
    /// <c>i/N</c>: this gateway owns the things whose stable hash modulo N is i. It publishes requests only
    /// for those, and, with a plain subscription, handles only their responses. Empty: owns every thing.
    /// </summary>
    public string? BrokerPartition { get; set; }

    /// <summary>
    /// Publish every new command's request to the broker. With several gateways on one broker exactly
    /// one of them (or one per partition of things, see docs/mqtt-broker.md) must do this, or devices get each request once per gateway.
    /// </summary>
    public bool BrokerPublishRequests { get; set; } = true;

    /// <summary>5 (MQTT 5.0, needed for $share on most brokers) or 4 (3.1.1; mosquitto accepts $share there too).</summary>
    public int BrokerProtocolVersion { get; set; } = 5;

    public int BrokerKeepAliveSeconds { get; set; } = 30;

    /// <summary>How long the broker keeps this gateway's session (and queued responses) across a reconnect.</summary>
    public uint BrokerSessionExpirySeconds { get; set; } = 60;

    /// <summary>QoS 1 request publishes awaiting the broker's PUBACK at once.</summary>
    public int BrokerMaxInflight { get; set; } = 256;

    /// <summary>Reads <see cref="Broker"/>: <c>mqtt://host:port</c> (or <c>tcp://</c>; port 1883 when absent).</summary>
    public (string Host, int Port) ParseBroker()
    {
        if (!Uri.TryCreate(Broker, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("mqtt" or "tcp"))
        {
            throw new ArgumentException($"Mqtt:Broker '{Broker}' must be given as mqtt://host:port (TLS is not supported; use a local TLS proxy).");
        }
        return (parsed.Host.Trim('[', ']'), parsed.Port > 0 ? parsed.Port : 1883);
    }
}
