namespace CommandGrid.Gateway.Commands;

/// <summary>Configuration section "Runtime", as the doors see it.</summary>
public sealed class GridCallOptions
{
    /// <summary>
    /// How long a door keeps retrying a grain call that failed because a silo died or could not be
    /// reached. Each attempt waits at most Orleans' response timeout (Runtime:ResponseTimeout).
    /// </summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
