namespace CommandGrid.Mqtt.Server;

public enum MqttAuthorization
{
    Allow,
    Deny,
}
