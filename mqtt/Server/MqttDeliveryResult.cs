namespace CommandGrid.Mqtt.Server;

/// <summary>
/// The outcome of <see cref="MqttServer.PublishAsync"/>. <see cref="Acknowledged"/> completes with true when
/// the client acknowledged the message (PUBACK, or PUBCOMP for QoS 2; at hand-off for QoS 0), and with false
/// when it never will be (refused with a failure reason, too large for the client, expired, session discarded).
/// It may complete on a later connection of the same session.
/// </summary>
public sealed record MqttDeliveryResult(MqttDeliveryStatus Status, Task<bool> Acknowledged)
{
    internal static readonly Task<bool> NotAcknowledged = Task.FromResult(false);
    internal static readonly Task<bool> AcknowledgedAtHandOff = Task.FromResult(true);

    internal static MqttDeliveryResult NoMatch { get; } = new(MqttDeliveryStatus.NoMatchingSubscription, NotAcknowledged);

    internal static MqttDeliveryResult DroppedResult { get; } = new(MqttDeliveryStatus.Dropped, NotAcknowledged);
}
