using System.Text.Json.Nodes;

namespace CommandGrid.Gateway.Rest.Wire;

/// <summary>The grains keep parameters, results and attributes as JSON text; the wire shows them as JSON.</summary>
internal static class WireJson
{
    public static JsonNode? Parse(string? json) => json is null ? null : JsonNode.Parse(json);

    public static IReadOnlyList<string> List(System.Collections.Immutable.ImmutableArray<string> values) =>
        values.IsDefault ? [] : values;

    public static string? Time(DateTimeOffset? time) => time is { } value ? Commands.WireTime.Iso(value) : null;
}
