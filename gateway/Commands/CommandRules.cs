using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace CommandGrid.Gateway.Commands;

/// <summary>The wire-level rules every door applies before a request becomes a grain call.</summary>
public sealed partial class CommandRules(IOptions<CommandLimits> options)
{
    private readonly CommandLimits _limits = options.Value;

    public CommandLimits Limits => _limits;

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,128}$")]
    private static partial Regex DeviceIdPattern();

    public static bool IsValidDeviceId(string? id) => id is not null && DeviceIdPattern().IsMatch(id);

    public string RequireDeviceId(string? id, string message = "Device id is wrong or empty") =>
        IsValidDeviceId(id) ? id! : throw new RequestValidationException(message);

    /// <summary>Job ids and group names are spelled as thing ids are: letters, digits, '-', '_', '.', at most 128.</summary>
    public string RequireJobId(string? id) =>
        IsValidDeviceId(id) ? id! : throw new RequestValidationException("jobId: letters, digits, '-', '_', '.', at most 128");

    public string RequireGroupName(string? name) =>
        IsValidDeviceId(name) ? name! : throw new RequestValidationException("group name: letters, digits, '-', '_', '.', at most 128");

    public string RequireName(string? name, string field)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new RequestValidationException($"{field} is required");
        }
        if (name.Length > _limits.MaxNameLength)
        {
            throw new RequestValidationException($"{field} is longer than {_limits.MaxNameLength} characters");
        }
        return name;
    }

    /// <summary>Parameters must be a JSON object within the size limit; returns its raw text, or null when absent.</summary>
    public string? ParametersJson(JsonElement? parameters, string field)
    {
        if (parameters is not { } value || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new RequestValidationException($"{field} must be a JSON object");
        }
        var text = value.GetRawText();
        if (Encoding.UTF8.GetByteCount(text) > _limits.MaxParametersBytes)
        {
            throw new RequestValidationException($"{field} is larger than {_limits.MaxParametersBytes} bytes", 413);
        }
        return text;
    }

    /// <summary>Any JSON value a device or creator attaches as a result, within the size limit.</summary>
    public string? ResultJson(JsonElement? result)
    {
        if (result is not { } value || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        var text = value.GetRawText();
        if (Encoding.UTF8.GetByteCount(text) > _limits.MaxParametersBytes)
        {
            throw new RequestValidationException($"result is larger than {_limits.MaxParametersBytes} bytes", 413);
        }
        return text;
    }

    public int? Lifetime(JsonElement? lifetime, string field)
    {
        if (lifetime is not { } value || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var seconds))
        {
            throw new RequestValidationException($"{field} must be a whole number of seconds");
        }
        if (seconds <= 0 || seconds > _limits.MaxLifetimeSeconds)
        {
            throw new RequestValidationException($"{field} must be between 1 and {_limits.MaxLifetimeSeconds} seconds");
        }
        return (int)seconds;
    }
}
