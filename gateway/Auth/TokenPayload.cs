using System.Text.Json.Serialization;

namespace CommandGrid.Gateway.Auth;

/// <summary>
/// The "payload" claim of a DeviceHive JWT: who the token speaks for and what it may do.
/// Scope lists hold ids as strings, or "*" for all.
/// </summary>
public sealed record TokenPayload(
    [property: JsonPropertyName("u")] long UserId,
    [property: JsonPropertyName("a")] IReadOnlyList<int> Actions,
    [property: JsonPropertyName("n")] IReadOnlyList<string>? NetworkIds,
    [property: JsonPropertyName("dt")] IReadOnlyList<string>? DeviceTypeIds,
    [property: JsonPropertyName("d")] IReadOnlyList<string>? DeviceIds,
    [property: JsonPropertyName("e")] long? Expiration,
    [property: JsonPropertyName("t")] int TokenType)
{
    public const int Access = 1;
    public const int Refresh = 0;

    /// <summary>DeviceHive keeps the expiry inside the payload ("e", milliseconds since 1970), not in the JWT's "exp".</summary>
    public bool HasExpiredAt(DateTimeOffset now) => Expiration is { } expires && expires <= now.ToUnixTimeMilliseconds();

    public bool Allows(DeviceHiveAction action) =>
        Actions.Contains((int)DeviceHiveAction.Any) || Actions.Contains((int)action);

    /// <summary>Whether the token reaches this device, by its id, network and device type.</summary>
    public bool AllowsDevice(string deviceId, long? networkId, long? deviceTypeId) =>
        Matches(DeviceIds, deviceId)
        && Matches(NetworkIds, networkId?.ToString(System.Globalization.CultureInfo.InvariantCulture))
        && Matches(DeviceTypeIds, deviceTypeId?.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public bool AllowsNetwork(long networkId) => Matches(NetworkIds, networkId.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public bool AllowsDeviceType(long deviceTypeId) => Matches(DeviceTypeIds, deviceTypeId.ToString(System.Globalization.CultureInfo.InvariantCulture));

    [JsonIgnore]
    public bool AllowsAllDevices => IsWildcard(DeviceIds) && IsWildcard(NetworkIds) && IsWildcard(DeviceTypeIds);

    /// <summary>An absent list places no limit; a present one must hold "*" or the id. A device outside any network passes a network list.</summary>
    private static bool Matches(IReadOnlyList<string>? scope, string? id) =>
        scope is null || scope.Contains("*") || id is null || scope.Contains(id);

    private static bool IsWildcard(IReadOnlyList<string>? scope) => scope is null || scope.Contains("*");
}
