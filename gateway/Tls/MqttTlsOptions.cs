namespace CommandGrid.Gateway.Tls;

/// <summary>MQTT over TLS (section "Mqtt:Tls"); its certificate is "Mqtt:Tls:Certificate" (<see cref="ServerCertificateFiles"/>).</summary>
public sealed class MqttTlsOptions
{
    public const string SectionName = "Mqtt:Tls";

    /// <summary>The port of MQTT over TLS, on Mqtt:Address; 0 turns it off. It listens only when a certificate is configured.</summary>
    public int Port { get; set; } = 8883;

    /// <summary>How long a client has to finish its TLS handshake before the connection is closed.</summary>
    public int HandshakeTimeoutSeconds { get; set; } = 10;
}
