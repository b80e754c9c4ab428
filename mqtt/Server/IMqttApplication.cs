namespace CommandGrid.Mqtt.Server;

/// <summary>
/// What the MQTT engine asks of the application that hosts it. The engine owns the protocol
/// (sessions, acknowledgements, retransmission); the application owns identity, permissions and
/// what messages mean. Hooks run on the connection's read loop, so a slow hook slows only that client.
/// </summary>
public interface IMqttApplication
{
    /// <summary>
    /// Called once by the server that hosts the application, as it is created and so before any
    /// connection, with what the application sends to its clients through.
    /// </summary>
    void OnServerCreated(IMqttPublisher publisher);

    /// <summary>Decides whether a CONNECT is accepted, and under which identity.</summary>
    ValueTask<MqttAuthResult> AuthenticateAsync(MqttConnectRequest request, CancellationToken cancellationToken);

    /// <summary>Per filter: a denied filter is refused in the SUBACK (0x80 / 0x87) and the connection stays up.</summary>
    MqttAuthorization AuthorizeSubscribe(MqttSessionInfo session, string topicFilter);

    /// <summary>A denied PUBLISH is acknowledged (5.0 with 0x87) but not handed to <see cref="OnMessageReceivedAsync"/>.</summary>
    MqttAuthorization AuthorizePublish(MqttSessionInfo session, string topic);

    /// <summary>
    /// Awaited before the PUBACK/PUBREC goes out, so an acknowledged message is one the application
    /// has taken. If it throws, the message is not acknowledged and the connection is closed, so the
    /// client retries it (a persistent session resends it with DUP). For QoS 2 it runs once per packet id.
    /// </summary>
    ValueTask OnMessageReceivedAsync(MqttSessionInfo session, MqttApplicationMessage message, CancellationToken cancellationToken);

    /// <summary>Runs after the SUBACK is queued, with the filters that were granted (e.g. to deliver pending work).</summary>
    ValueTask OnSubscribedAsync(MqttSessionInfo session, IReadOnlyList<string> topicFilters, CancellationToken cancellationToken);

    /// <summary>
    /// A client reconnected to a session it had kept (session present), after its CONNACK is queued: its subscriptions
    /// are the session's, and no SUBSCRIBE may come, so this is where an application tells it what changed meanwhile.
    /// </summary>
    ValueTask OnSessionResumedAsync(MqttSessionInfo session, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>
    /// A connection ended (any reason but <see cref="MqttSessionEndReason.SessionExpired"/>), or a stored
    /// session expired after its client went away. <see cref="MqttSessionInfo.SessionRetained"/> says
    /// whether the session state outlives the connection.
    /// </summary>
    ValueTask OnSessionEndedAsync(MqttSessionInfo session, MqttSessionEndReason reason);
}
