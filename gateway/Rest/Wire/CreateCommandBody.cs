using System.ComponentModel;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace CommandGrid.Gateway.Rest.Wire;

/// <summary>
/// The body of POST /api/v1/commands, for the document: the handler reads the JSON itself (JsonBody), to
/// answer each wrong field with its own 400 or 413, and declares this record as what it accepts.
/// </summary>
public sealed record CreateCommandBody
{
    [Description("A registered thing: letters, digits, '-', '_', '.', at most 128.")]
    public required string ThingId { get; init; }

    public required string Action { get; init; }

    [JsonPropertyName("params")]
    [Description("A JSON object, within the grid's size limit.")]
    public JsonObject? Params { get; init; }

    [Description("Seconds the device has to answer; the grid's default when absent.")]
    public int? Ttl { get; init; }

    [Description("Idempotency: the same token with the same request returns the same execution; at most 64 characters.")]
    public string? ClientToken { get; init; }
}
