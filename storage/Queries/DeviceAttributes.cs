using System.Text.Json;

namespace CommandGrid.Storage.Queries;

/// <summary>
/// Whether a stored device's attributes match a dynamic group's: its attributes are the JSON object a thing is
/// registered with (Fleets <c>attributes</c> = DeviceHive <c>data</c>), kept as text in one property of the state;
/// each wanted key must be a top-level key whose value reads as the wanted text (a string as is, any other value as its JSON).
/// </summary>
internal static class DeviceAttributes
{
    public static bool Match(string payload, string dataProperty, IReadOnlyDictionary<string, string>? wanted)
    {
        if (wanted is null || wanted.Count == 0)
        {
            return true;
        }
        using var state = JsonDocument.Parse(payload);
        if (!state.RootElement.TryGetProperty(dataProperty, out var data) || data.ValueKind != JsonValueKind.String)
        {
            return false;
        }
        using var attributes = JsonDocument.Parse(data.GetString()!);
        if (attributes.RootElement.ValueKind != JsonValueKind.Object)
        {
            return false;
        }
        foreach (var (key, value) in wanted)
        {
            if (!attributes.RootElement.TryGetProperty(key, out var actual) || Text(actual) != value)
            {
                return false;
            }
        }
        return true;
    }

    private static string Text(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
}
