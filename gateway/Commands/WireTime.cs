using System.Globalization;

namespace CommandGrid.Gateway.Commands;

/// <summary>How times look on the wire: DeviceHive's UTC "yyyy-MM-ddTHH:mm:ss.fff", and ISO 8601 with Z for REST.</summary>
public static class WireTime
{
    public static string DeviceHive(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fff", CultureInfo.InvariantCulture);

    public static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    /// <summary>Reads a client's datetime; one without an offset is taken as UTC, as DeviceHive does.</summary>
    public static bool TryParse(string? text, out DateTimeOffset time) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);
}
