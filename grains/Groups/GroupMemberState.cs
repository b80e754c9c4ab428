namespace CommandGrid.Grains.Groups;

/// <summary>One thing's membership of one static group; flat, so the storage indexes the group and the join time.</summary>
[GenerateSerializer, Alias("cg.GroupMemberState")]
public sealed class GroupMemberState
{
    [Id(0)]
    public string Group { get; set; } = "";
    [Id(1)]
    public string ThingId { get; set; } = "";
    [Id(2)]
    public long CreatedAtMs { get; set; }
}
