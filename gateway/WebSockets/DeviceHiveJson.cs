using System.Text.Json;
using System.Text.Json.Nodes;
using CommandGrid.Gateway.Commands;
using CommandGrid.Grains.Interfaces;

namespace CommandGrid.Gateway.WebSockets;

/// <summary>Commands, devices and messages as the DeviceHive WebSocket API shows them.</summary>
internal static class DeviceHiveJson
{
    public const string ApiVersion = "4.0.0";

    /// <summary>The full DeviceCommand resource; status is the device's own word when it gave one; jobId for a job's execution.</summary>
    public static JsonObject Command(CommandRecord c)
    {
        var json = Fields(c);
        if (c.JobId is not null)
        {
            json["jobId"] = c.JobId;
        }
        return json;
    }

    private static JsonObject Fields(CommandRecord c) => new()
    {
        ["id"] = c.Id,
        ["command"] = c.Command,
        ["timestamp"] = WireTime.DeviceHive(c.Timestamp),
        ["lastUpdated"] = WireTime.DeviceHive(c.LastUpdated),
        ["userId"] = c.UserId,
        ["deviceId"] = c.DeviceId,
        ["networkId"] = c.NetworkId,
        ["deviceTypeId"] = c.DeviceTypeId,
        ["parameters"] = Raw(c.ParametersJson),
        ["lifetime"] = c.Lifetime,
        ["status"] = c.DeviceStatus ?? c.Status,
        ["result"] = Raw(c.ResultJson),
    };

    /// <summary>What command/insert answers (seed 002).</summary>
    public static JsonObject Inserted(CommandRecord c) => new()
    {
        ["id"] = c.Id,
        ["timestamp"] = WireTime.DeviceHive(c.Timestamp),
        ["lastUpdated"] = WireTime.DeviceHive(c.LastUpdated),
        ["userId"] = c.UserId,
    };

    public static JsonObject Device(DeviceRecord d) => new()
    {
        ["id"] = d.Id,
        ["name"] = d.Name,
        ["data"] = Raw(d.DataJson),
        ["networkId"] = d.NetworkId,
        ["deviceTypeId"] = d.DeviceTypeId,
        ["isBlocked"] = d.IsBlocked,
    };

    /// <summary>A server push: no requestId; subscriptionId when it comes from a subscription.</summary>
    public static byte[] Push(string action, CommandRecord command, long? subscriptionId)
    {
        var message = new JsonObject { ["action"] = action };
        if (subscriptionId is { } id)
        {
            message["subscriptionId"] = id;
        }
        message["command"] = Command(command);
        return JsonSerializer.SerializeToUtf8Bytes(message);
    }

    public static JsonObject Success(string? action, JsonNode? requestId)
    {
        var reply = new JsonObject { ["action"] = action };
        if (requestId is not null)
        {
            reply["requestId"] = requestId.DeepClone();
        }
        reply["status"] = "success";
        return reply;
    }

    public static JsonObject Error(string? action, JsonNode? requestId, int code, string message)
    {
        var reply = new JsonObject();
        if (action is not null)
        {
            reply["action"] = action;
        }
        if (requestId is not null)
        {
            reply["requestId"] = requestId.DeepClone();
        }
        reply["status"] = "error";
        reply["code"] = code;
        reply["error"] = message;
        return reply;
    }

    private static JsonNode? Raw(string? json) => json is null ? null : JsonNode.Parse(json);
}
