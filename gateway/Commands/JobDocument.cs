using System.Text.Json;
using System.Text.Json.Nodes;

using CommandGrid.Grains.Interfaces;

namespace CommandGrid.Gateway.Commands;

/// <summary>
/// A job's document, whichever way the job was given. A job given by its document has that document; a job given by
/// action and params has <c>{"action": …, "params": …}</c>, so a device that reads documents reads every job alike.
/// </summary>
public static class JobDocument
{
    /// <summary>The action of an execution of a job given only by its document that names none.</summary>
    public const string DefaultAction = "job";

    /// <summary>The document of a job (JSON text of an object).</summary>
    public static string Of(JobDefinition definition) => definition.DocumentJson ?? new JsonObject
    {
        ["action"] = definition.Action,
        ["params"] = definition.ParametersJson is null ? new JsonObject() : JsonNode.Parse(definition.ParametersJson),
    }.ToJsonString();

    /// <summary>The action a document names: its <c>operation</c>, else its <c>action</c> (strings), else <see cref="DefaultAction"/>.</summary>
    public static string ActionOf(JsonElement document)
    {
        foreach (var field in (ReadOnlySpan<string>)["operation", "action"])
        {
            if (document.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } action)
            {
                return action;
            }
        }
        return DefaultAction;
    }
}
