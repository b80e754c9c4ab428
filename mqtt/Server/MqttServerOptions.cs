namespace CommandGrid.Mqtt.Server;

/// <summary>Settings bound from the configuration section <c>Mqtt</c>.</summary>
public sealed class MqttServerOptions
{
    public const string SectionName = "Mqtt";

    /// <summary>TCP port for <c>ListenMqtt()</c>.</summary>
    public int Port { get; set; } = 1883;

    /// <summary>Largest packet accepted from a client; larger ones close the connection (0x95). Advertised to 5.0 clients.</summary>
    public int MaxPacketSize { get; set; } = 1024 * 1024;

    /// <summary>
    /// Upper bound on the keep-alive a client may ask for, and the keep-alive imposed on a client that asks for
    /// none (0); 0 here means "no bound". 5.0 clients are told through Server Keep Alive; 3.1.1 clients cannot be,
    /// so a 3.1.1 client above the bound must ping more often than it thinks.
    /// </summary>
    public int MaxKeepAliveSeconds { get; set; } = 3600;

    /// <summary>
    /// The most connections held at once (TCP and WebSocket together); a CONNECT past it is refused with 0x97 Quota
    /// exceeded (3.1.1: 0x03). 0, the engine's default, means no limit: a host sets one from what the process can hold
    /// (the grid derives it from the descriptor limit, gateway/Hosting/ConnectionLimits.cs).
    /// </summary>
    public int MaxConnections { get; set; }

    /// <summary>
    /// CONNECTs taken on per second, as a token bucket holding one second's worth; one over it is refused with 0x89
    /// Server busy (3.1.1: 0x03) before authentication. 0 means no limit. The default, as EMQX's listeners' max_conn_rate,
    /// bounds what a reconnect storm costs while letting a fleet of 20,000 back in within about 20 s.
    /// </summary>
    public double MaxConnectsPerSecond { get; set; } = 1000;

    /// <summary>How long a new connection may take to send CONNECT.</summary>
    public int ConnectTimeoutSeconds { get; set; } = 10;

    /// <summary>Upper bound on the lifetime of a session without a connection (3.1.1 persistent sessions and 5.0 expiry intervals alike).</summary>
    public uint MaxSessionExpiryIntervalSeconds { get; set; } = 7 * 24 * 3600;

    /// <summary>Packets that may wait in one connection's outbound queue for the socket.</summary>
    public int OutboundQueueCapacity { get; set; } = 1000;

    /// <summary>Upper bound on unacknowledged outbound QoS 1/2 messages per client (also bounded by the client's Receive Maximum).</summary>
    public int MaxInflightMessages { get; set; } = 100;

    /// <summary>QoS 1/2 messages a session may hold beyond its in-flight window (while offline or while the window is full).</summary>
    public int MaxPendingMessagesPerSession { get; set; } = 1000;

    /// <summary>Topic aliases a 5.0 client may define on its PUBLISH packets (0 disables them).</summary>
    public ushort TopicAliasMaximum { get; set; } = 16;

    /// <summary>Refused SUBSCRIBE filters and PUBLISHes are logged at most once per client per this many seconds (all are counted).</summary>
    public int RefusalLogIntervalSeconds { get; set; } = 10;

    /// <summary>How long closing a connection waits for its last packets (e.g. a DISCONNECT) to reach the socket.</summary>
    public int CloseFlushTimeoutMilliseconds { get; set; } = 2000;
}
