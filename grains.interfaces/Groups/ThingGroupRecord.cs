namespace CommandGrid.Grains.Interfaces;

/// <summary>A thing group: static (members added one by one) when it has no query, dynamic otherwise.</summary>
[GenerateSerializer, Immutable, Alias("cg.ThingGroupRecord")]
public sealed record ThingGroupRecord(string Name, string? Description, ThingQuery? Query, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public bool IsDynamic => Query is not null;
}

/// <summary>A create-or-update of a group. A group stays static or dynamic as it was created.</summary>
[GenerateSerializer, Immutable, Alias("cg.ThingGroupDefinition")]
public sealed record ThingGroupDefinition(string? Description, ThingQuery? Query);

[GenerateSerializer, Immutable, Alias("cg.ThingGroupPage")]
public sealed record ThingGroupPage(IReadOnlyList<ThingGroupRecord> Items, string? NextCursor);

/// <summary>A page of a group's members (thing ids), in the order they joined (static) or registered (dynamic).</summary>
[GenerateSerializer, Immutable, Alias("cg.ThingIdPage")]
public sealed record ThingIdPage(IReadOnlyList<string> ThingIds, string? NextCursor);
