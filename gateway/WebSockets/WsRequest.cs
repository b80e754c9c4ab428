using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CommandGrid.Gateway.Commands;

namespace CommandGrid.Gateway.WebSockets;

/// <summary>
/// One client message, a JSON object with "action" and an optional "requestId". The typed
/// readers throw <see cref="WsError"/> 400 for a field of the wrong type, so a handler reads
/// its fields in a line each.
/// </summary>
internal sealed class WsRequest(string action, JsonNode? requestId, JsonElement body)
{
    public string Action { get; } = action;

    /// <summary>Echoed back as given (DeviceHive lets it be any JSON value).</summary>
    public JsonNode? RequestId { get; } = requestId;

    public JsonElement Body { get; } = body;

    public JsonElement? Property(string name) =>
        Body.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    public static string? String(JsonElement? value, string name) => value switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } v => v.GetString(),
        _ => throw WsError.BadRequest($"{name} must be a string"),
    };

    public string? String(string name) => String(Property(name), name);

    /// <summary>The device id: letters, digits, '-', '_', '.', at most 128; anything else is "Device id is wrong or empty".</summary>
    public string DeviceId()
    {
        var value = Property("deviceId");
        var id = value is { ValueKind: JsonValueKind.String } v ? v.GetString() : null;
        return CommandRules.IsValidDeviceId(id) ? id! : throw WsError.BadRequest(WsError.BadDeviceId);
    }

    public string? OptionalDeviceId() => Property("deviceId") is null ? null : DeviceId();

    /// <summary>A positive command id, as a JSON number or a numeric string.</summary>
    public long CommandId()
    {
        var id = Property("commandId") switch
        {
            { ValueKind: JsonValueKind.Number } v when v.TryGetInt64(out var n) => n,
            { ValueKind: JsonValueKind.String } v when long.TryParse(v.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) => n,
            _ => 0,
        };
        return id > 0 ? id : throw WsError.BadRequest(WsError.BadCommandId);
    }

    /// <summary>A nested object (e.g. "command", "device"); absent is null, any other type is an error.</summary>
    public JsonElement? Object(string name) => Object(Property(name), name);

    public static JsonElement? Object(JsonElement? value, string name) => value switch
    {
        null => null,
        { ValueKind: JsonValueKind.Object } v => v,
        _ => throw WsError.BadRequest($"{name} must be a JSON object"),
    };

    public JsonElement RequireObject(string name) => Object(name) ?? throw WsError.BadRequest($"{name} is required");

    public static long? Long(JsonElement? value, string name) => value switch
    {
        null => null,
        { ValueKind: JsonValueKind.Number } v when v.TryGetInt64(out var n) => n,
        _ => throw WsError.BadRequest($"{name} must be an integer"),
    };

    public long? Long(string name) => Long(Property(name), name);

    public int? Int(string name, int min, int max)
    {
        var value = Long(name);
        if (value is { } n && (n < min || n > max))
        {
            throw WsError.BadRequest($"{name} must be between {min} and {max}");
        }
        return (int?)value;
    }

    public static bool? Bool(JsonElement? value, string name) => value switch
    {
        null => null,
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        _ => throw WsError.BadRequest($"{name} must be true or false"),
    };

    public bool? Bool(string name) => Bool(Property(name), name);

    /// <summary>A DeviceHive datetime ("yyyy-MM-ddTHH:mm:ss.SSS", UTC when no offset is given).</summary>
    public static DateTimeOffset? Time(JsonElement? value, string name)
    {
        var text = String(value, name);
        if (text is null)
        {
            return null;
        }
        return WireTime.TryParse(text, out var time) ? time : throw WsError.BadRequest($"{name} must be a datetime like 2024-01-31T12:00:00.000");
    }

    public DateTimeOffset? Time(string name) => Time(Property(name), name);

    public IReadOnlyList<string>? Strings(string name) => Property(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Array } v when v.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String) =>
            [.. v.EnumerateArray().Select(e => e.GetString()!)],
        _ => throw WsError.BadRequest($"{name} must be an array of strings"),
    };

    public IReadOnlyList<long>? Longs(string name) => Property(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Array } v when v.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out _)) =>
            [.. v.EnumerateArray().Select(e => e.GetInt64())],
        _ => throw WsError.BadRequest($"{name} must be an array of integers"),
    };
}
