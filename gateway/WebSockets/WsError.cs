namespace CommandGrid.Gateway.WebSockets;

/// <summary>A request failed with a DeviceHive error code; the message is shown to the client as is.</summary>
internal sealed class WsError(int code, string message) : Exception(message)
{
    public int Code { get; } = code;

    public static WsError BadRequest(string message) => new(400, message);

    public static WsError Unauthorized(string message = "Unauthorized") => new(401, message);

    public static WsError Forbidden() => new(403, "Access is denied");

    public static WsError DeviceNotFound(string deviceId) => new(404, $"Device with such deviceId = {deviceId} not found");

    public static WsError CommandNotFound(long commandId) => new(404, $"Command with id = {commandId} not found");

    public const string MalformedJson = "Malformed Json received.";
    public const string BadDeviceId = "Device id is wrong or empty";
    public const string BadCommandId = "Command id is wrong or empty";
}
