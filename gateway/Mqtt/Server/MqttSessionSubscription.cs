using CommandGrid.Gateway.Mqtt.Packets;

namespace CommandGrid.Gateway.Mqtt.Server;

/// <summary>A granted subscription held by a session.</summary>
internal sealed record MqttSessionSubscription(string TopicFilter, MqttQualityOfService MaximumQoS, uint? SubscriptionIdentifier);
