namespace CommandGrid.Mqtt.Packets;

/// <summary>The six CONNACK return codes of MQTT 3.1.1 (a 3.1.1 CONNACK carries one of these, not a reason code).</summary>
public enum MqttConnectReturnCode : byte
{
    Accepted = 0,
    UnacceptableProtocolVersion = 1,
    IdentifierRejected = 2,
    ServerUnavailable = 3,
    BadUserNameOrPassword = 4,
    NotAuthorized = 5,
}
