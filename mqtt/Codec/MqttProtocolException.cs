using CommandGrid.Mqtt.Packets;

namespace CommandGrid.Mqtt.Codec;

/// <summary>
/// A violation of the MQTT wire rules, carrying the 5.0 reason code the server reports for it
/// (in a CONNACK or DISCONNECT for 5.0 clients; a 3.1.1 client just sees the connection close).
/// </summary>
public sealed class MqttProtocolException : Exception
{
    public MqttProtocolException(MqttReasonCode reasonCode, string message, MqttProtocolVersion? connectVersion = null)
        : base(message)
    {
        ReasonCode = reasonCode;
        ConnectVersion = connectVersion;
    }

    public MqttReasonCode ReasonCode { get; }

    /// <summary>
    /// Set when the error is in a CONNECT whose protocol level was read, so that the server can
    /// answer in that client's dialect (a CONNACK with a reason code for 5.0).
    /// </summary>
    public MqttProtocolVersion? ConnectVersion { get; }

    /// <summary>Whether the error arose while decoding a CONNECT packet.</summary>
    public bool InConnect { get; init; }

    internal static MqttProtocolException Malformed(string message) => new(MqttReasonCode.MalformedPacket, message);

    internal static MqttProtocolException ProtocolError(string message) => new(MqttReasonCode.ProtocolError, message);
}
