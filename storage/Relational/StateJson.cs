using System.Text.Json;

namespace CommandGrid.Storage;

/// <summary>
/// How grain states are written to the payload column: JSON (web defaults, camelCase), so the
/// indexed columns can be read from a state's top-level properties and an operator can read a row.
/// </summary>
public static class StateJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web);
}
