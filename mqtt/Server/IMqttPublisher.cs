namespace CommandGrid.Mqtt.Server;

/// <summary>
/// How an application sends to its clients: the server hands itself to the application before any
/// connection (<see cref="IMqttApplication.OnServerCreated"/>), so the application need not look the server up.
/// </summary>
public interface IMqttPublisher
{
    /// <summary>
    /// Sends a message to one client, if one of its session's subscriptions matches the topic, at the lower
    /// of the message's QoS and the granted QoS. Does not wait for the client: <see cref="MqttDeliveryResult.Acknowledged"/>
    /// tracks that. A QoS 1/2 message to an offline persistent session is kept and sent when it reconnects.
    /// </summary>
    ValueTask<MqttDeliveryResult> PublishAsync(string clientId, MqttApplicationMessage message, CancellationToken cancellationToken = default);
}
