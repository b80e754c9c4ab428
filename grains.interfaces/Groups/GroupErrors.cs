namespace CommandGrid.Grains.Interfaces;

[GenerateSerializer, Alias("cg.GroupNotFoundException")]
public sealed class GroupNotFoundException : Exception
{
    public GroupNotFoundException(string message) : base(message)
    {
    }
}
