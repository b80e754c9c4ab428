namespace CommandGrid.Grains;

/// <summary>Configuration section "Commands".</summary>
public sealed class GridOptions
{
    /// <summary>The lifetime (TTL) of a command whose creator gave none.</summary>
    public int DefaultLifetimeSeconds { get; set; } = 300;

    /// <summary>The longest lifetime a creator may ask for.</summary>
    public int MaxLifetimeSeconds { get; set; } = 7 * 24 * 3600;

    /// <summary>
    /// How often a TTL reminder ticks again after its due time until its command is final. Orleans skips
    /// ticks missed while a silo was down, so this bounds how late such a tick is (the overdue sweep at start
    /// and on membership changes usually comes first).
    /// </summary>
    public int TtlReminderPeriodSeconds { get; set; } = 10;

    /// <summary>How long an observer subscription lives without renewal; gateways renew well within it.</summary>
    public int ObserverExpirySeconds { get; set; } = 120;
}
