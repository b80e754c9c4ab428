using System.ComponentModel;
using System.Text.Json.Nodes;

namespace CommandGrid.Gateway.Rest.Wire;

/// <summary>The body of PUT /api/v1/things/{thingId}, for the document (the handler reads the JSON itself); absent fields keep their value.</summary>
public sealed record ThingBody
{
    public string? Name { get; init; }

    [Description("A JSON object, within the grid's size limit.")]
    public JsonObject? Attributes { get; init; }

    public long? NetworkId { get; init; }

    public long? DeviceTypeId { get; init; }
}
