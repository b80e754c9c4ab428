namespace CommandGrid.Grains.Jobs;

/// <summary>
/// A page of the fan-out being created: the things that get an execution, in order, and the first id of the block
/// reserved for them (the thing at index i gets <see cref="FirstId"/> + i). It is stored before the first of its
/// executions is created and cleared with the cursor's move, so a page interrupted by a failure is created again
/// with the same ids: each execution is then found, not made twice, even by a frozen silo that thaws and writes late.
/// </summary>
[GenerateSerializer, Alias("cg.FanOutPage")]
public sealed class FanOutPage
{
    [Id(0)]
    public List<string> ThingIds { get; set; } = [];
    [Id(1)]
    public long FirstId { get; set; }
    /// <summary>Where the source's next page starts once this one is created (a joiner's page moves no cursor).</summary>
    [Id(2)]
    public string? NextCursor { get; set; }
    [Id(3)]
    public bool MovesCursor { get; set; }
}
