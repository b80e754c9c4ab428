namespace CommandGrid.Gateway.Mqtt.Server;

public enum MqttAuthorization
{
    Allow,
    Deny,
}
