using CommandGrid.Mqtt.Packets;

namespace CommandGrid.Mqtt.Server;

/// <summary>
/// The application's answer to a CONNECT. A rejection carries a 5.0 reason code
/// (e.g. <see cref="MqttReasonCode.BadUserNameOrPassword"/>, <see cref="MqttReasonCode.NotAuthorized"/>,
/// <see cref="MqttReasonCode.ClientIdentifierNotValid"/>); 3.1.1 clients get the nearest return code.
/// </summary>
public sealed record MqttAuthResult
{
    private MqttAuthResult(bool accepted, string? identity, MqttReasonCode reasonCode, string? reasonString)
    {
        IsAccepted = accepted;
        Identity = identity;
        ReasonCode = reasonCode;
        ReasonString = reasonString;
    }

    public bool IsAccepted { get; }

    /// <summary>Who the application decided the client is (e.g. a device id); kept in <see cref="MqttSessionInfo"/>.</summary>
    public string? Identity { get; }

    public MqttReasonCode ReasonCode { get; }

    /// <summary>Sent to 5.0 clients in the CONNACK's Reason String.</summary>
    public string? ReasonString { get; }

    public static MqttAuthResult Accept(string identity) => new(true, identity, MqttReasonCode.Success, null);

    public static MqttAuthResult Reject(MqttReasonCode reasonCode, string? reasonString = null)
    {
        if (!reasonCode.IsFailure())
        {
            throw new ArgumentOutOfRangeException(nameof(reasonCode), reasonCode, "A rejection needs a failure reason code (0x80 or above).");
        }

        return new MqttAuthResult(false, null, reasonCode, reasonString);
    }
}
