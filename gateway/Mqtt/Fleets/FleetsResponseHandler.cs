using System.Globalization;
using CommandGrid.Gateway.Commands;
using CommandGrid.Grains.Interfaces;

namespace CommandGrid.Gateway.Mqtt.Fleets;

/// <summary>The answer to one device response: where it goes and what it says.</summary>
/// <param name="Accepted">Whether the response changed the execution.</param>
/// <param name="Topic">The <c>.../response/accepted</c> or <c>.../response/rejected</c> topic.</param>
public sealed record FleetsReply(bool Accepted, string Topic, byte[] Body);

/// <summary>
/// Turns a device's response on <c>$emqx/commands/things/{thing}/executions/{id}/response</c> into
/// the grain call and the reply, whichever MQTT door it came through (the gateway's own listener or
/// an external broker in broker mode).
/// </summary>
public sealed class FleetsResponseHandler(CommandService commands)
{
    /// <summary>Applies a response published on <paramref name="topic"/>; null when the topic is not a response topic.</summary>
    public async Task<FleetsReply?> HandleAsync(string topic, ReadOnlyMemory<byte> payload)
    {
        if (!FleetsTopics.TryParseResponse(topic, out var thing, out var executionText))
        {
            return null;
        }
        var (accepted, body) = await ApplyAsync(thing, executionText, payload);
        var replyTopic = $"{FleetsTopics.ThingPrefix(thing)}executions/{executionText}/response/{(accepted ? "accepted" : "rejected")}";
        return new FleetsReply(accepted, replyTopic, body);
    }

    private async Task<(bool Accepted, byte[] Body)> ApplyAsync(string thing, string executionText, ReadOnlyMemory<byte> payload)
    {
        if (!long.TryParse(executionText, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id <= 0)
        {
            return (false, FleetsPayloads.Rejected(executionText, "NotFound", $"'{executionText}' is not an execution id"));
        }
        CommandUpdate update;
        try
        {
            update = FleetsPayloads.ParseResponse(payload, $"mqtt:{thing}");
        }
        catch (FormatException e)
        {
            return (false, FleetsPayloads.Rejected(executionText, "Malformed", e.Message));
        }
        try
        {
            var updated = await commands.UpdateAsync(id, update with { DeviceId = thing });
            return (true, FleetsPayloads.Accepted(updated));
        }
        catch (CommandNotFoundException)
        {
            return (false, FleetsPayloads.Rejected(executionText, "NotFound", $"Execution {id} of {thing} not found"));
        }
        catch (CommandFinalException e)
        {
            return (false, FleetsPayloads.Rejected(executionText, "TerminalStateReached", e.Message));
        }
        catch (InvalidStatusTransitionException e)
        {
            return (false, FleetsPayloads.Rejected(executionText, "InvalidStateTransition", e.Message));
        }
    }
}
