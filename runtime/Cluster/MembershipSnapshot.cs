using System.Collections.Immutable;

namespace CommandGrid.Runtime.Cluster;

/// <summary>
/// One read of the membership table, and the placement ring of its active silos. Immutable, so
/// a router can use one snapshot for a whole routing decision while a newer one is published.
/// </summary>
public sealed class MembershipSnapshot
{
    public static readonly MembershipSnapshot Empty = new([], 64);

    public MembershipSnapshot(IEnumerable<ClusterMember> members, int virtualNodes)
    {
        Members = members.ToImmutableDictionary(m => m.MemberId);
        ActiveSilos = [.. Members.Values.Where(m => m.IsActiveSilo).Select(m => m.MemberId).Order(StringComparer.Ordinal)];
        Ring = new ConsistentHashRing(ActiveSilos, virtualNodes);
    }

    public ImmutableDictionary<string, ClusterMember> Members { get; }

    /// <summary>Ids of the active silos, sorted; two members agree on placement when these agree.</summary>
    public ImmutableArray<string> ActiveSilos { get; }

    public ConsistentHashRing Ring { get; }

    public ClusterMember? Find(string memberId) => Members.GetValueOrDefault(memberId);

    /// <summary>Same active silos at the same addresses: placement and routing are unchanged.</summary>
    public bool SamePlacement(MembershipSnapshot other) =>
        ActiveSilos.SequenceEqual(other.ActiveSilos)
        && ActiveSilos.All(id => Members[id].Address == other.Members[id].Address);
}
