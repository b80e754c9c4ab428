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

    /// <summary>
    /// How often every silo sweeps for open executions overdue by more than this period. An execution answered in
    /// memory never gets a reminder (its grain timer keeps its TTL), so one held by a silo that died (kill -9, frozen)
    /// times out through this sweep, at most twice this period after its expiry once its silo is gone.
    /// </summary>
    public int OverdueSweepPeriodSeconds { get; set; } = 10;

    /// <summary>
    /// How long an open execution's activation (and a client token's) stays in memory after its last call
    /// when nobody watches it. A final one goes at once. Its state is stored and its reminder brings it back,
    /// so this trades memory for a storage read when an execution waiting for its device is called again.
    /// </summary>
    public int IdleSeconds { get; set; } = 30;

    /// <summary>How long an observer subscription lives without renewal; gateways renew well within it.</summary>
    public int ObserverExpirySeconds { get; set; } = 120;
}
