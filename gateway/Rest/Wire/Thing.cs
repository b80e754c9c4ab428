using System.ComponentModel;
using System.Text.Json.Nodes;
using CommandGrid.Gateway.Commands;
using CommandGrid.Grains.Interfaces;

namespace CommandGrid.Gateway.Rest.Wire;

/// <summary>A registered thing as the REST API writes it (the same registry as DeviceHive's devices).</summary>
[Description("A registered thing (a DeviceHive device).")]
public sealed record Thing
{
    public required string ThingId { get; init; }

    public required string Name { get; init; }

    [Description("The thing's attributes: a JSON object, {} when none.")]
    public required JsonNode Attributes { get; init; }

    public required long? NetworkId { get; init; }

    public required long? DeviceTypeId { get; init; }

    public required bool IsBlocked { get; init; }

    public required string CreatedAt { get; init; }

    public required string UpdatedAt { get; init; }

    [Description("The device has a live MQTT or WebSocket connection now.")]
    public required bool Connected { get; init; }

    [Description("When a connection of the device last connected, renewed or left; null if it never connected.")]
    public required string? LastSeen { get; init; }

    [Description("The static thing groups it is a member of.")]
    public required IReadOnlyList<string> Groups { get; init; }

    public static Thing From(DeviceRecord d) => new()
    {
        ThingId = d.Id,
        Name = d.Name,
        Attributes = WireJson.Parse(d.DataJson) ?? new JsonObject(),
        NetworkId = d.NetworkId,
        DeviceTypeId = d.DeviceTypeId,
        IsBlocked = d.IsBlocked,
        CreatedAt = WireTime.Iso(d.CreatedAt),
        UpdatedAt = WireTime.Iso(d.LastUpdated),
        Connected = d.Connected,
        LastSeen = WireJson.Time(d.LastSeen),
        Groups = WireJson.List(d.Groups),
    };
}
