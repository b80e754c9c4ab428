namespace CommandGrid.Runtime.Cluster;

/// <summary>What a member does: silos host grains, gateways only call them and host observers.</summary>
public enum MemberRole
{
    Silo,
    Gateway,
}
