using System.Text.Json;
using System.Text.Json.Nodes;
using CommandGrid.Grains.Interfaces;

namespace CommandGrid.Gateway.Mqtt.Fleets;

/// <summary>
/// The JSON bodies of the Fleets flow: request, response, accepted and rejected. Times are Unix seconds
/// and durations seconds, as in the EMQX Fleets document's request (<c>"timestamp": 1748390400</c>,
/// <c>"ttl": 30</c>); the replies, which that document does not show, use the same unit so that a device
/// reads every time on these topics alike.
/// </summary>
public static class FleetsPayloads
{
    /// <summary>
    /// The request a device receives (the execution as <see cref="Commands.JobDocuments.DeliverableAsync"/> gives it); an
    /// execution of a fleet job also names its job (<c>jobId</c>).
    /// </summary>
    public static byte[] Request(CommandRecord command)
    {
        var request = new JsonObject
        {
            ["commandId"] = command.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["action"] = command.Command,
            ["params"] = command.ParametersJson is null ? new JsonObject() : JsonNode.Parse(command.ParametersJson),
            ["timestamp"] = command.Timestamp.ToUnixTimeSeconds(),
            ["ttl"] = command.Lifetime,
        };
        if (command.JobId is not null)
        {
            request["jobId"] = command.JobId;
        }
        return JsonSerializer.SerializeToUtf8Bytes(request);
    }

    public static byte[] Accepted(CommandRecord command) => JsonSerializer.SerializeToUtf8Bytes(new JsonObject
    {
        ["executionId"] = command.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["status"] = command.Status,
        ["updatedAt"] = command.LastUpdated.ToUnixTimeSeconds(),
    });

    public static byte[] Rejected(string executionId, string reasonCode, string description) => JsonSerializer.SerializeToUtf8Bytes(new JsonObject
    {
        ["executionId"] = executionId,
        ["reasonCode"] = reasonCode,
        ["reasonDescription"] = description,
    });

    /// <summary>Reads a device's response; throws <see cref="FormatException"/> for anything that is not one.</summary>
    public static CommandUpdate ParseResponse(ReadOnlyMemory<byte> payload, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(payload);
        }
        catch (JsonException e)
        {
            throw new FormatException($"The response is not JSON: {e.Message}");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("The response must be a JSON object");
            }
            if (!root.TryGetProperty("status", out var status) || status.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(status.GetString()))
            {
                throw new FormatException("The response needs a string status");
            }
            string? result = root.TryGetProperty("result", out var r) && r.ValueKind != JsonValueKind.Null ? r.GetRawText() : null;
            StatusReason? reason = null;
            if (root.TryGetProperty("statusReason", out var sr) && sr.ValueKind == JsonValueKind.Object)
            {
                var code = sr.TryGetProperty("reasonCode", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
                var description = sr.TryGetProperty("reasonDescription", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
                if (code is not null)
                {
                    reason = new StatusReason(code, description);
                }
            }
            return new CommandUpdate(status.GetString(), result, reason, source);
        }
    }
}
