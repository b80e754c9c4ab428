using CommandGrid.Mqtt.Packets;
using Microsoft.Extensions.Logging;

namespace CommandGrid.Mqtt.Server;

/// <summary>Source-generated log messages, so the structured fields are the same on every line.</summary>
internal static partial class MqttLog
{
    [LoggerMessage(1, LogLevel.Information, "MQTT client {ClientId} connected from {RemoteEndPoint} (connection {ConnectionId}, protocol {ProtocolVersion}, session present {SessionPresent}, keep-alive {KeepAliveSeconds}s)")]
    public static partial void Connected(ILogger logger, string clientId, string? remoteEndPoint, long connectionId, MqttProtocolVersion protocolVersion, bool sessionPresent, int keepAliveSeconds);

    [LoggerMessage(2, LogLevel.Information, "MQTT connection {ConnectionId} from {RemoteEndPoint} refused for client {ClientId}: {ReasonCode}")]
    public static partial void ConnectRefused(ILogger logger, long connectionId, string? remoteEndPoint, string clientId, MqttReasonCode reasonCode);

    [LoggerMessage(3, LogLevel.Information, "MQTT client {ClientId} disconnected (connection {ConnectionId}): {Reason}")]
    public static partial void Disconnected(ILogger logger, string clientId, long connectionId, MqttSessionEndReason reason);

    [LoggerMessage(4, LogLevel.Warning, "MQTT protocol violation on connection {ConnectionId} from {RemoteEndPoint} (client {ClientId}): {ReasonCode} {Detail}")]
    public static partial void ProtocolViolation(ILogger logger, long connectionId, string? remoteEndPoint, string? clientId, MqttReasonCode reasonCode, string detail);

    [LoggerMessage(5, LogLevel.Warning, "MQTT connection {ConnectionId} from {RemoteEndPoint} sent {PacketType} before CONNECT; closing")]
    public static partial void NotConnectFirst(ILogger logger, long connectionId, string? remoteEndPoint, MqttPacketType packetType);

    [LoggerMessage(6, LogLevel.Error, "MQTT application hook {Hook} failed for client {ClientId}")]
    public static partial void HookFailed(ILogger logger, Exception exception, string hook, string? clientId);

    [LoggerMessage(7, LogLevel.Warning, "MQTT client {ClientId} dropped a {PacketType} of {Size} bytes: above its maximum packet size {MaximumPacketSize}")]
    public static partial void PacketTooLargeForClient(ILogger logger, string? clientId, MqttPacketType packetType, int size, uint maximumPacketSize);

    [LoggerMessage(8, LogLevel.Debug, "MQTT connection {ConnectionId} transport failed")]
    public static partial void TransportFailed(ILogger logger, Exception exception, long connectionId);

    [LoggerMessage(9, LogLevel.Information, "MQTT session {ClientId} expired")]
    public static partial void SessionExpired(ILogger logger, string clientId);

    [LoggerMessage(10, LogLevel.Warning, "MQTT client {ClientId} is being disconnected: {Reason} ({ReasonCode})")]
    public static partial void Aborting(ILogger logger, string? clientId, MqttSessionEndReason reason, MqttReasonCode reasonCode);

    [LoggerMessage(12, LogLevel.Warning, "MQTT connection limit reached ({Open} open, at most {Max}): {Count} connection(s) refused with {ReasonCode} since the last such line")]
    public static partial void ConnectionLimitReached(ILogger logger, int open, int max, long count, MqttReasonCode reasonCode);

    [LoggerMessage(13, LogLevel.Warning, "MQTT connect rate limit reached (at most {PerSecond} CONNECTs/s): {Count} connection(s) refused with {ReasonCode} since the last such line")]
    public static partial void ConnectRateReached(ILogger logger, double perSecond, long count, MqttReasonCode reasonCode);

    [LoggerMessage(11, LogLevel.Warning, "MQTT client {ClientId} was refused {PacketType} on {Topic}: {Reason} ({Suppressed} earlier refusals of this client not logged)")]
    public static partial void Refused(ILogger logger, string clientId, MqttPacketType packetType, string topic, MqttReasonCode reason, int suppressed);
}
