namespace CommandGrid.Runtime.Cluster;

/// <summary>One row of the membership table.</summary>
/// <param name="Address">host:port of the member's cluster listener (empty for gateways).</param>
/// <param name="Version">Bumped on every status change, so that concurrent "declare dead" updates are conditional.</param>
public sealed record ClusterMember(
    string MemberId,
    MemberRole Role,
    string Address,
    MemberStatus Status,
    DateTimeOffset HeartbeatAt,
    DateTimeOffset StartedAt,
    long Version)
{
    public bool IsActiveSilo => Role == MemberRole.Silo && Status == MemberStatus.Active;
}
