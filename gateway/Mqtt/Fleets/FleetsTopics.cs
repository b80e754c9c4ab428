using CommandGrid.Mqtt.Topics;

namespace CommandGrid.Gateway.Mqtt.Fleets;

/// <summary>The EMQX Fleets command topics of one thing.</summary>
public static class FleetsTopics
{
    public const string Root = "$emqx/commands/things/";

    public static string ThingPrefix(string thing) => $"{Root}{thing}/";

    public static string Request(string thing, long executionId) => $"{Root}{thing}/executions/{executionId}/request";

    public static string Accepted(string thing, long executionId) => $"{Root}{thing}/executions/{executionId}/response/accepted";

    public static string Rejected(string thing, long executionId) => $"{Root}{thing}/executions/{executionId}/response/rejected";

    /// <summary>Whether a topic or filter lies inside the thing's own tree.</summary>
    public static bool IsInTree(string thing, string topicOrFilter) =>
        topicOrFilter.StartsWith(ThingPrefix(thing), StringComparison.Ordinal);

    /// <summary>Reads <c>$emqx/commands/things/{thing}/executions/{id}/response</c>.</summary>
    public static bool TryParseResponse(string topic, out string thing, out string executionId)
    {
        thing = executionId = "";
        if (!topic.StartsWith(Root, StringComparison.Ordinal))
        {
            return false;
        }
        var parts = topic[Root.Length..].Split('/');
        if (parts is not [var t, "executions", var id, "response"])
        {
            return false;
        }
        (thing, executionId) = (t, id);
        return true;
    }

    /// <summary>Whether a granted filter would receive this thing's command requests.</summary>
    public static bool ReceivesRequests(string thing, string filter) =>
        MqttTopic.Matches($"{Root}{thing}/executions/1/request", filter);
}
