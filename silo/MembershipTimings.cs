using Orleans.Configuration;

namespace CommandGrid.Silo;

/// <summary>
/// How fast a dead silo is declared dead. Orleans' defaults took 12–14 s here; these take a few
/// seconds without evicting a silo whose timers run late on a loaded 2-core machine: a silo is
/// suspected after missed probes of 2 s each, and dead only when two others agree (or the only
/// other one, in a cluster of two). Overridable under Cluster:Membership.
/// </summary>
internal static class MembershipTimings
{
    public static void Apply(ClusterMembershipOptions options, IConfiguration overrides)
    {
        options.ProbeTimeout = TimeSpan.FromSeconds(2);
        options.NumMissedProbesLimit = 2;
        options.NumVotesForDeathDeclaration = 2;
        options.TableRefreshTimeout = TimeSpan.FromSeconds(5);
        options.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(10);
        options.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(30);
        overrides.Bind(options);
    }
}
