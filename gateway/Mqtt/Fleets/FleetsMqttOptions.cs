namespace CommandGrid.Gateway.Mqtt.Fleets;

/// <summary>How devices are admitted over MQTT (configuration sections "Mqtt" and "Devices").</summary>
public sealed class FleetsMqttOptions
{
    /// <summary>A shared device secret accepted as password for any thing; empty disables it (tokens only).</summary>
    public string? DeviceSecret { get; set; }

    /// <summary>Register a thing the first time it connects with valid credentials.</summary>
    public bool AutoRegister { get; set; } = true;

    /// <summary>How often a device's link renews its subscription at its device grain.</summary>
    public int RenewSeconds { get; set; } = 30;
}
