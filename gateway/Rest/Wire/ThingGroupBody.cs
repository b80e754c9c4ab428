using System.ComponentModel;

namespace CommandGrid.Gateway.Rest.Wire;

/// <summary>The body of PUT /api/v1/thing-groups/{group}, for the document (the handler reads the JSON itself).</summary>
public sealed record ThingGroupBody
{
    [Description("At most 1024 characters.")]
    public string? Description { get; init; }

    [Description("Makes the group dynamic. A group stays static or dynamic as it was created.")]
    public GroupQuery? Query { get; init; }
}
