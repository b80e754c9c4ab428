namespace CommandGrid.Runtime.Cluster;

/// <summary>Configuration section "Cluster", shared by silos and gateways.</summary>
public sealed class ClusterOptions
{
    /// <summary>Members with the same id in the same database form one cluster; others are invisible to them.</summary>
    public string ClusterId { get; set; } = "commandgrid";

    /// <summary>
    /// A readable name for this member; empty means the machine name. Every start gets a fresh
    /// incarnation suffix, so a restarted process is a new member and a dead one never comes back.
    /// </summary>
    public string MemberName { get; set; } = "";

    /// <summary>TCP port of the silo-to-silo (and gateway-to-silo) listener; 0 picks a free one.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>The host other members dial; the listener binds to it when it is an IP address.</summary>
    public string AdvertisedHost { get; set; } = "127.0.0.1";

    /// <summary>How often this member writes its heartbeat.</summary>
    public TimeSpan HeartbeatPeriod { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often the membership table is read (and stale members declared dead).</summary>
    public TimeSpan RefreshPeriod { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A member whose heartbeat is older than this is declared dead by any other member.</summary>
    public TimeSpan DeathTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A member that could not heartbeat for this long assumes it was declared dead and stops
    /// serving; null means <see cref="DeathTimeout"/>. The ETag still guards storage if it is late.
    /// </summary>
    public TimeSpan? FenceTimeout { get; set; }

    /// <summary>Virtual nodes per silo on the placement ring.</summary>
    public int VirtualNodes { get; set; } = 64;

    /// <summary>Capacity of each connection's outbound queue; a full queue makes senders wait (back-pressure).</summary>
    public int OutboundQueueCapacity { get; set; } = 4096;

    /// <summary>Stop the process when this member finds itself declared dead (a supervisor restarts it as a new member).</summary>
    public bool ExitWhenDeclaredDead { get; set; } = true;

    /// <summary>PostgreSQL connection string of the membership table (usually Storage:ConnectionString).</summary>
    public string ConnectionString { get; set; } = "";

    internal TimeSpan EffectiveFenceTimeout => FenceTimeout ?? DeathTimeout;
}
