namespace CommandGrid.Runtime.Messaging;

/// <summary>Configuration section "Runtime".</summary>
public sealed class RuntimeOptions
{
    /// <summary>How long a caller waits for a grain call before it fails with <see cref="GrainCallTimeoutException"/>.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>An activation unused for this long is deactivated.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How often idle activations are looked for.</summary>
    public TimeSpan CollectionInterval { get; set; } = TimeSpan.FromMinutes(1);
}
