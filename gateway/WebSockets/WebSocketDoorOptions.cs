namespace CommandGrid.Gateway.WebSockets;

/// <summary>Configuration section "WebSocket": limits and timers of the DeviceHive WebSocket door.</summary>
public sealed class WebSocketDoorOptions
{
    /// <summary>
    /// Frames waiting to be written to one connection. Replies wait for room (back-pressure on
    /// that client's own requests); a push that finds the queue full closes the connection
    /// with 1008 (see <see cref="SendQueue"/>).
    /// </summary>
    public int SendQueueCapacity { get; set; } = 1024;

    /// <summary>How long one frame may take to write before the client is taken for dead and the socket aborted.</summary>
    public int SendTimeoutSeconds { get; set; } = 30;

    /// <summary>How often a connection renews its observer subscriptions (must stay well under Commands:ObserverExpirySeconds).</summary>
    public int RenewSeconds { get; set; } = 30;

    /// <summary>Subscriptions one connection may hold at once.</summary>
    public int MaxSubscriptionsPerConnection { get; set; } = 256;

    /// <summary>
    /// An oversize message (over Commands:MaxMessageBytes) is read and thrown away, then answered
    /// with error 400; one larger than this is not worth reading to the end and closes the connection with 1009.
    /// </summary>
    public int MaxDiscardBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>WebSocket ping interval.</summary>
    public int KeepAliveSeconds { get; set; } = 30;
}
