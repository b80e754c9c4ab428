using System.ComponentModel;
using System.Text.Json.Serialization;
using CommandGrid.Gateway.Commands;
using CommandGrid.Grains.Interfaces;

namespace CommandGrid.Gateway.Rest.Wire;

/// <summary>A thing group as the REST API writes it.</summary>
[Description("A thing group: static (members added one by one) or dynamic (the things its query matches).")]
public sealed record ThingGroup
{
    public required string Name { get; init; }

    public required string? Description { get; init; }

    public required bool Dynamic { get; init; }

    public required string CreatedAt { get; init; }

    public required string UpdatedAt { get; init; }

    [Description("What a dynamic group matches; absent for a static group.")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public GroupQuery? Query { get; init; }

    public static ThingGroup From(ThingGroupRecord g) => new()
    {
        Name = g.Name,
        Description = g.Description,
        Dynamic = g.IsDynamic,
        CreatedAt = WireTime.Iso(g.CreatedAt),
        UpdatedAt = WireTime.Iso(g.UpdatedAt),
        Query = g.Query is { } query
            ? new GroupQuery
            {
                NetworkId = query.NetworkId,
                DeviceTypeId = query.DeviceTypeId,
                Attributes = (query.Attributes ?? []).ToDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal),
            }
            : null,
    };
}

/// <summary>
/// A dynamic group's query: the things in the network, of the device type and with the attributes given.
/// Every part is optional in a request; the answers write all three.
/// </summary>
public sealed record GroupQuery
{
    public long? NetworkId { get; init; }

    public long? DeviceTypeId { get; init; }

    [Description("Attribute values the thing must have (a number or boolean in a request is kept as its text).")]
    public IReadOnlyDictionary<string, string>? Attributes { get; init; }
}

/// <summary>A member of a static group in a page of members.</summary>
public sealed record GroupMember
{
    public required string ThingId { get; init; }
}
