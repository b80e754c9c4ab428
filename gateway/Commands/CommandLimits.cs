namespace CommandGrid.Gateway.Commands;

/// <summary>Limits the doors enforce on what clients send (configuration section "Commands").</summary>
public sealed class CommandLimits
{
    public int MaxParametersBytes { get; set; } = 64 * 1024;

    /// <summary>The largest request body or WebSocket message accepted; a little above the parameters limit for the envelope.</summary>
    public int MaxMessageBytes { get; set; } = 80 * 1024;

    public int MaxLifetimeSeconds { get; set; } = 7 * 24 * 3600;

    public int MaxNameLength { get; set; } = 128;

    /// <summary>The longest a client may long-poll for an execution to end.</summary>
    public int MaxWaitSeconds { get; set; } = 60;
}
