namespace CommandGrid.Mqtt.Packets;

/// <summary>
/// The MQTT 5.0 property block. One type for every packet keeps the codec to a single reader
/// and writer; a null member means "absent on the wire", which the protocol distinguishes from
/// a present default (e.g. Receive Maximum absent means 65535). 3.1.1 packets carry <see cref="Empty"/>.
/// </summary>
public sealed record MqttProperties
{
    public static readonly MqttProperties Empty = new();

    public byte? PayloadFormatIndicator { get; init; }
    public uint? MessageExpiryInterval { get; init; }
    public string? ContentType { get; init; }
    public string? ResponseTopic { get; init; }
    public byte[]? CorrelationData { get; init; }
    /// <summary>Repeatable on PUBLISH (one per matching subscription); at most one on SUBSCRIBE.</summary>
    public IReadOnlyList<uint> SubscriptionIdentifiers { get; init; } = [];
    public uint? SessionExpiryInterval { get; init; }
    public string? AssignedClientIdentifier { get; init; }
    public ushort? ServerKeepAlive { get; init; }
    public string? AuthenticationMethod { get; init; }
    public byte[]? AuthenticationData { get; init; }
    public byte? RequestProblemInformation { get; init; }
    public uint? WillDelayInterval { get; init; }
    public byte? RequestResponseInformation { get; init; }
    public string? ResponseInformation { get; init; }
    public string? ServerReference { get; init; }
    public string? ReasonString { get; init; }
    public ushort? ReceiveMaximum { get; init; }
    public ushort? TopicAliasMaximum { get; init; }
    public ushort? TopicAlias { get; init; }
    public byte? MaximumQoS { get; init; }
    public byte? RetainAvailable { get; init; }
    public IReadOnlyList<MqttUserProperty> UserProperties { get; init; } = [];
    public uint? MaximumPacketSize { get; init; }
    public byte? WildcardSubscriptionAvailable { get; init; }
    public byte? SubscriptionIdentifierAvailable { get; init; }
    public byte? SharedSubscriptionAvailable { get; init; }
}
