namespace CommandGrid.Mqtt.Topics;

/// <summary>
/// Topic name and topic filter rules. Matching walks both strings level by level without
/// splitting, because it runs for every subscription of a session on every outbound message.
/// </summary>
public static class MqttTopic
{
    /// <summary>A topic name a PUBLISH may carry: non-empty and free of wildcards.</summary>
    public static bool IsValidTopicName(string topic) =>
        topic.Length > 0 && topic.AsSpan().IndexOfAny('+', '#') < 0;

    /// <summary>
    /// A topic filter: non-empty; '#' only as the whole last level; '+' only as a whole level.
    /// </summary>
    public static bool IsValidTopicFilter(string filter)
    {
        if (filter.Length == 0)
        {
            return false;
        }

        for (var i = 0; i < filter.Length; i++)
        {
            var c = filter[i];
            if (c != '+' && c != '#')
            {
                continue;
            }

            var startsLevel = i == 0 || filter[i - 1] == '/';
            var endsLevel = i == filter.Length - 1 || filter[i + 1] == '/';
            if (!startsLevel || !endsLevel)
            {
                return false;
            }

            if (c == '#' && i != filter.Length - 1)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Whether a topic name matches a (valid) filter. Topics beginning with '$' are reserved for
    /// server use and are not matched by a filter that begins with a wildcard, so that a client
    /// subscribed to '#' does not see system topics by accident.
    /// </summary>
    public static bool Matches(string topic, string filter)
    {
        if (topic.Length > 0 && topic[0] == '$' && filter.Length > 0 && (filter[0] == '+' || filter[0] == '#'))
        {
            return false;
        }

        var topicRest = topic.AsSpan();
        var filterRest = filter.AsSpan();
        while (true)
        {
            var fSlash = filterRest.IndexOf('/');
            var filterLevel = fSlash < 0 ? filterRest : filterRest[..fSlash];
            if (filterLevel is "#")
            {
                // '#' matches the parent level and every level below it.
                return true;
            }

            var tSlash = topicRest.IndexOf('/');
            var topicLevel = tSlash < 0 ? topicRest : topicRest[..tSlash];
            if (filterLevel is not "+" && !filterLevel.SequenceEqual(topicLevel))
            {
                return false;
            }

            if (tSlash < 0)
            {
                // The topic has run out: only an exact end or a trailing "/#" (which may stand
                // for zero levels, so "a/#" matches "a") still matches.
                return fSlash < 0 || filterRest[(fSlash + 1)..] is "#";
            }

            if (fSlash < 0)
            {
                return false;
            }

            topicRest = topicRest[(tSlash + 1)..];
            filterRest = filterRest[(fSlash + 1)..];
        }
    }
}
