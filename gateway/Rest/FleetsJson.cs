using System.Text.Json.Nodes;
using CommandGrid.Gateway.Commands;
using CommandGrid.Grains.Interfaces;

namespace CommandGrid.Gateway.Rest;

/// <summary>Executions and things as the Fleets REST API shows them.</summary>
internal static class FleetsJson
{
    public static JsonObject Execution(CommandRecord c, bool withHistory)
    {
        var json = new JsonObject
        {
            ["executionId"] = c.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["thingId"] = c.DeviceId,
            ["action"] = c.Command,
            ["params"] = Raw(c.ParametersJson) ?? new JsonObject(),
            ["ttl"] = c.Lifetime,
            ["status"] = c.Status,
            ["result"] = Raw(c.ResultJson),
            ["createdAt"] = WireTime.Iso(c.CreatedAt),
            ["updatedAt"] = WireTime.Iso(c.LastUpdated),
            ["timestamp"] = WireTime.Iso(c.Timestamp),
            ["expiresAt"] = WireTime.Iso(c.ExpiresAt),
            ["userId"] = c.UserId,
        };
        if (c.DeviceStatus is not null && c.DeviceStatus != c.Status)
        {
            json["deviceStatus"] = c.DeviceStatus;
        }
        if (c.ClientToken is not null)
        {
            json["clientToken"] = c.ClientToken;
        }
        if (c.StatusReason is { } reason)
        {
            json["statusReason"] = new JsonObject { ["reasonCode"] = reason.ReasonCode, ["reasonDescription"] = reason.ReasonDescription };
        }
        if (withHistory)
        {
            json["history"] = new JsonArray([.. c.History.Select(h => (JsonNode)new JsonObject
            {
                ["status"] = h.Status,
                ["deviceStatus"] = h.DeviceStatus,
                ["at"] = WireTime.Iso(h.At),
                ["source"] = h.Source,
            })]);
        }
        return json;
    }

    public static JsonObject Thing(DeviceRecord d) => new()
    {
        ["thingId"] = d.Id,
        ["name"] = d.Name,
        ["attributes"] = Raw(d.DataJson) ?? new JsonObject(),
        ["networkId"] = d.NetworkId,
        ["deviceTypeId"] = d.DeviceTypeId,
        ["isBlocked"] = d.IsBlocked,
        ["createdAt"] = WireTime.Iso(d.CreatedAt),
        ["updatedAt"] = WireTime.Iso(d.LastUpdated),
        ["connected"] = d.Connected,
        ["lastSeen"] = d.LastSeen is { } seen ? WireTime.Iso(seen) : null,
    };

    private static JsonNode? Raw(string? json) => json is null ? null : JsonNode.Parse(json);
}
