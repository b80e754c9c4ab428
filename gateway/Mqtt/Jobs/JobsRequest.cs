using System.Collections.Immutable;
using System.Text.Json;

namespace CommandGrid.Gateway.Mqtt.Jobs;

/// <summary>
/// The body of a jobs request, read and checked: every field AWS IoT Jobs' device API defines for the operations, each
/// of its type and range, or the request is refused (InvalidJson, InvalidRequest) before any grain is called.
/// Fields the operations do not define are ignored, as AWS IoT ignores them.
/// </summary>
public sealed record JobsRequest(
    string? ClientToken,
    string? Status,
    ImmutableDictionary<string, string>? StatusDetails,
    int? ExpectedVersion,
    int? ExecutionNumber,
    int? StepTimeoutInMinutes,
    bool IncludeJobDocument,
    bool IncludeJobExecutionState)
{
    // AWS IoT's limits: a client token of 64 characters, status detail keys of 128 and values of 1,024.
    private const int MaxClientToken = 64;
    private const int MaxDetailKey = 128;
    private const int MaxDetailValue = 1024;
    private const int MaxDetails = 10;

    public static JobsRequest Read(ReadOnlyMemory<byte> payload, JobsOperation operation)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(payload);
        }
        catch (JsonException e)
        {
            throw Refuse(JobsRefusal.InvalidJson, $"The payload is not JSON: {e.Message}", null);
        }
        using (document)
        {
            var body = document.RootElement;
            if (body.ValueKind != JsonValueKind.Object)
            {
                throw Refuse(JobsRefusal.InvalidJson, "The payload must be a JSON object", null);
            }
            var token = ClientTokenOf(body);
            try
            {
                return new JobsRequest(
                    token,
                    operation == JobsOperation.Update ? RequiredStatus(body) : null,
                    Details(body),
                    Integer(body, "expectedVersion", 1, int.MaxValue),
                    Integer(body, "executionNumber", 1, int.MaxValue),
                    Integer(body, "stepTimeoutInMinutes", -1, 10_080),
                    // AWS IoT includes the document in a describe unless told not to, and in an update only when asked.
                    Flag(body, "includeJobDocument") ?? operation == JobsOperation.Describe,
                    Flag(body, "includeJobExecutionState") ?? false);
            }
            catch (FormatException e)
            {
                throw Refuse(JobsRefusal.InvalidRequest, e.Message, token);
            }
        }
    }

    /// <summary>The request's client token if the payload is a JSON object with a valid one; null otherwise.</summary>
    public static string? TryReadClientToken(ReadOnlyMemory<byte> payload)
    {
        try
        {
            using var document = JsonDocument.Parse(payload);
            return document.RootElement.ValueKind == JsonValueKind.Object ? ClientTokenOf(document.RootElement) : null;
        }
        catch (Exception e) when (e is JsonException or JobsRequestException)
        {
            return null;
        }
    }

    private static string? ClientTokenOf(JsonElement body)
    {
        if (!body.TryGetProperty("clientToken", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.String || value.GetString() is not { Length: > 0 and <= MaxClientToken } token)
        {
            throw Refuse(JobsRefusal.InvalidRequest, $"clientToken must be a string of 1 to {MaxClientToken} characters", null);
        }
        return token;
    }

    private static string RequiredStatus(JsonElement body)
    {
        if (!body.TryGetProperty("status", out var value) || value.ValueKind != JsonValueKind.String || value.GetString() is not { Length: > 0 } status)
        {
            throw new FormatException($"status is required: one of {string.Join(", ", JobsStatus.Reportable)}");
        }
        if (!JobsStatus.Reportable.Contains(status) && !JobsStatus.GridOnly.Contains(status))
        {
            throw new FormatException($"status must be one of {string.Join(", ", JobsStatus.Reportable)}");
        }
        return status;
    }

    private static ImmutableDictionary<string, string>? Details(JsonElement body)
    {
        if (!body.TryGetProperty("statusDetails", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("statusDetails must be an object of string values");
        }
        var details = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var detail in value.EnumerateObject())
        {
            if (detail.Name.Length is 0 or > MaxDetailKey || !detail.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is ':' or '_' or '-'))
            {
                throw new FormatException($"statusDetails: '{detail.Name}' is not a name of 1 to {MaxDetailKey} letters, digits, ':', '_' or '-'");
            }
            if (detail.Value.ValueKind != JsonValueKind.String || detail.Value.GetString() is not { Length: > 0 and <= MaxDetailValue } text)
            {
                throw new FormatException($"statusDetails.{detail.Name} must be a string of 1 to {MaxDetailValue} characters");
            }
            details[detail.Name] = text;
        }
        if (details.Count > MaxDetails)
        {
            throw new FormatException($"statusDetails holds at most {MaxDetails} entries");
        }
        return details.ToImmutable();
    }

    private static int? Integer(JsonElement body, string field, int min, int max)
    {
        if (!body.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var number) || number < min || number > max || (field == "stepTimeoutInMinutes" && number == 0))
        {
            throw new FormatException($"{field} must be a whole number from {min} to {max}");
        }
        return (int)number;
    }

    private static bool? Flag(JsonElement body, string field)
    {
        if (!body.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : throw new FormatException($"{field} must be true or false");
    }

    private static JobsRequestException Refuse(string code, string message, string? clientToken) => new(new JobsRefusal(code, message), clientToken);
}
