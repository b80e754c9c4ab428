namespace CommandGrid.Mqtt.Server;

public enum MqttSessionEndReason
{
    /// <summary>The client sent DISCONNECT.</summary>
    ClientDisconnected,
    /// <summary>The transport closed or failed without a DISCONNECT.</summary>
    ConnectionLost,
    /// <summary>Another connection with the same client id took the session over.</summary>
    TakenOver,
    /// <summary>Nothing arrived within 1.5 times the keep-alive.</summary>
    KeepAliveTimeout,
    /// <summary>The client broke the protocol (malformed packet, protocol error, too large...).</summary>
    ProtocolError,
    /// <summary>The client could not keep up with its outbound queue.</summary>
    QuotaExceeded,
    /// <summary>The application's message hook failed, so the message was not acknowledged.</summary>
    ApplicationError,
    /// <summary>The application asked for the client to be disconnected.</summary>
    AdministrativeAction,
    ServerShutdown,
    /// <summary>A stored session reached its expiry interval with no client connected.</summary>
    SessionExpired,
}
