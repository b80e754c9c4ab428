namespace CommandGrid.Mqtt.Packets;

/// <summary>One topic filter and its options in a SUBSCRIBE. The 5.0-only options are false/zero in 3.1.1.</summary>
public sealed record MqttSubscription(
    string TopicFilter,
    MqttQualityOfService MaximumQoS,
    bool NoLocal = false,
    bool RetainAsPublished = false,
    MqttRetainHandling RetainHandling = MqttRetainHandling.SendAtSubscribe);
