namespace CommandGrid.Runtime.Cluster;

/// <summary>A member's life: joining → active → left (clean) or dead (declared by anyone). Dead and left are final.</summary>
public enum MemberStatus
{
    Joining,
    Active,
    Dead,
    Left,
}
