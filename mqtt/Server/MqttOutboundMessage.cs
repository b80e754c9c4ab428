using CommandGrid.Mqtt.Packets;

namespace CommandGrid.Mqtt.Server;

/// <summary>One application message on its way to one client, with its place in the QoS flow.</summary>
internal sealed class MqttOutboundMessage(
    MqttApplicationMessage message,
    MqttQualityOfService qualityOfService,
    IReadOnlyList<uint> subscriptionIdentifiers,
    long createdAtMilliseconds)
{
    private readonly TaskCompletionSource<bool> _acknowledged = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public MqttApplicationMessage Message { get; } = message;
    public MqttQualityOfService QualityOfService { get; } = qualityOfService;
    public IReadOnlyList<uint> SubscriptionIdentifiers { get; } = subscriptionIdentifiers;
    public long CreatedAtMilliseconds { get; } = createdAtMilliseconds;
    public ushort PacketId { get; set; }
    public MqttOutboundState State { get; set; } = MqttOutboundState.Pending;

    public Task<bool> Acknowledged => _acknowledged.Task;

    public void Complete(bool acknowledged) => _acknowledged.TrySetResult(acknowledged);

    /// <summary>
    /// The message expiry still left, or null when it has none; a non-positive value means it expired
    /// while it waited, and must not be sent (the 5.0 rule, applied to 3.1.1 clients too).
    /// </summary>
    public long? RemainingExpirySeconds(long nowMilliseconds) =>
        Message.MessageExpiryInterval is { } expiry
            ? expiry - ((nowMilliseconds - CreatedAtMilliseconds) / 1000)
            : null;

    public MqttPublishPacket ToPacket(bool dup, long nowMilliseconds)
    {
        var m = Message;
        var remaining = RemainingExpirySeconds(nowMilliseconds);
        var hasProperties = m.PayloadFormatIndicator is not null || remaining is not null || m.ContentType is not null
            || m.ResponseTopic is not null || m.CorrelationData is not null || m.UserProperties.Count > 0
            || SubscriptionIdentifiers.Count > 0;
        return new MqttPublishPacket
        {
            Topic = m.Topic,
            Payload = m.Payload,
            QualityOfService = QualityOfService,
            Retain = m.Retain,
            Dup = dup,
            PacketId = PacketId,
            Properties = !hasProperties ? MqttProperties.Empty : new MqttProperties
            {
                PayloadFormatIndicator = m.PayloadFormatIndicator,
                MessageExpiryInterval = remaining is { } r ? (uint)Math.Max(r, 1) : null,
                ContentType = m.ContentType,
                ResponseTopic = m.ResponseTopic,
                CorrelationData = m.CorrelationData,
                UserProperties = m.UserProperties,
                SubscriptionIdentifiers = SubscriptionIdentifiers,
            },
        };
    }
}
