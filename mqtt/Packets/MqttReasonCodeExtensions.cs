namespace CommandGrid.Mqtt.Packets;

public static class MqttReasonCodeExtensions
{
    public static bool IsFailure(this MqttReasonCode code) => (byte)code >= 0x80;

    /// <summary>
    /// Maps a 5.0 CONNACK reason to the nearest 3.1.1 return code. 3.1.1 has no word for most
    /// failures, so anything without an equivalent becomes "server unavailable", which clients
    /// treat as retryable rather than as a credential problem.
    /// </summary>
    public static MqttConnectReturnCode ToConnectReturnCode(this MqttReasonCode code) => code switch
    {
        MqttReasonCode.Success => MqttConnectReturnCode.Accepted,
        MqttReasonCode.UnsupportedProtocolVersion => MqttConnectReturnCode.UnacceptableProtocolVersion,
        MqttReasonCode.ClientIdentifierNotValid => MqttConnectReturnCode.IdentifierRejected,
        MqttReasonCode.BadUserNameOrPassword => MqttConnectReturnCode.BadUserNameOrPassword,
        MqttReasonCode.NotAuthorized or MqttReasonCode.Banned => MqttConnectReturnCode.NotAuthorized,
        _ => MqttConnectReturnCode.ServerUnavailable,
    };

    public static MqttReasonCode ToReasonCode(this MqttConnectReturnCode code) => code switch
    {
        MqttConnectReturnCode.Accepted => MqttReasonCode.Success,
        MqttConnectReturnCode.UnacceptableProtocolVersion => MqttReasonCode.UnsupportedProtocolVersion,
        MqttConnectReturnCode.IdentifierRejected => MqttReasonCode.ClientIdentifierNotValid,
        MqttConnectReturnCode.BadUserNameOrPassword => MqttReasonCode.BadUserNameOrPassword,
        MqttConnectReturnCode.NotAuthorized => MqttReasonCode.NotAuthorized,
        _ => MqttReasonCode.ServerUnavailable,
    };
}
