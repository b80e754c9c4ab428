using System.Text.Json;

namespace CommandGrid.Storage;

/// <summary>
/// How grain states are written to the payload column: JSON (web defaults, camelCase), so the
/// indexed columns can be read from a state's top-level properties and an operator can read a row.
/// </summary>
internal static class StateJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web);

    public static string Write<T>(T state) => JsonSerializer.Serialize(state, Options);

    /// <exception cref="JsonException">The payload is not a state of this type.</exception>
    public static T Read<T>(string payload) =>
        JsonSerializer.Deserialize<T>(payload, Options) ?? throw new JsonException($"A stored state of {typeof(T).Name} was JSON null.");
}
