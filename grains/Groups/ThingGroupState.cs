using CommandGrid.Grains.Interfaces;

namespace CommandGrid.Grains.Groups;

/// <summary>The stored form of a thing group: its definition and the continuous jobs that watch it, never its members.</summary>
[GenerateSerializer, Alias("cg.ThingGroupState")]
public sealed class ThingGroupState
{
    [Id(0)]
    public string Name { get; set; } = "";
    [Id(1)]
    public string? Description { get; set; }
    [Id(2)]
    public ThingQuery? Query { get; set; }
    [Id(3)]
    public long CreatedAtMs { get; set; }
    [Id(4)]
    public long UpdatedAtMs { get; set; }
    /// <summary>Continuous jobs in progress that target this group; told of each thing that joins.</summary>
    [Id(5)]
    public List<string> ContinuousJobs { get; set; } = [];

    public ThingGroupRecord ToRecord() => new(Name, Description, Query,
        DateTimeOffset.FromUnixTimeMilliseconds(CreatedAtMs), DateTimeOffset.FromUnixTimeMilliseconds(UpdatedAtMs));
}
