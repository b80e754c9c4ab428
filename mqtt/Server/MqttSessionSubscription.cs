using CommandGrid.Mqtt.Packets;

namespace CommandGrid.Mqtt.Server;

/// <summary>A granted subscription held by a session.</summary>
internal sealed record MqttSessionSubscription(string TopicFilter, MqttQualityOfService MaximumQoS, uint? SubscriptionIdentifier);
