namespace CommandGrid.Gateway.Mqtt.Jobs;

/// <summary>What a device asks on its jobs topics.</summary>
public enum JobsOperation
{
    /// <summary><c>get</c>: the pending executions.</summary>
    GetPending,
    /// <summary><c>start-next</c>: start the next execution.</summary>
    StartNext,
    /// <summary><c>{jobId}/get</c>: one execution (<c>$next</c>: the next one).</summary>
    Describe,
    /// <summary><c>{jobId}/update</c>: report on one execution.</summary>
    Update,
}

/// <summary>A request on a jobs topic: whose, which operation, for which job, and under which prefix it came.</summary>
/// <param name="Prefix">The thing's jobs prefix the request came under; its answers go under the same one.</param>
/// <param name="Topic">The request's topic; the answers are <c>{Topic}/accepted</c> and <c>{Topic}/rejected</c>.</param>
public sealed record JobsRequestTopic(string Thing, JobsOperation Operation, string? JobId, string Prefix, string Topic);

/// <summary>
/// The jobs topics of a thing (AWS IoT Jobs' device API), the same under EMQX Fleets' <c>$emqx/things/{thing}/jobs/</c>
/// and AWS IoT's <c>$aws/things/{thing}/jobs/</c>.
/// </summary>
public static class JobsTopics
{
    public const string NextJobId = "$next";

    public static IReadOnlyList<string> Roots { get; } = ["$emqx/things/", "$aws/things/"];

    public static IEnumerable<string> Prefixes(string thing) => Roots.Select(root => Prefix(root, thing));

    public static string Notify(string prefix) => prefix + "notify";

    public static string NotifyNext(string prefix) => prefix + "notify-next";

    /// <summary>Whether a topic or filter lies inside one of the thing's jobs trees.</summary>
    public static bool IsInTree(string thing, string topicOrFilter) =>
        Prefixes(thing).Any(prefix => topicOrFilter.StartsWith(prefix, StringComparison.Ordinal));

    /// <summary>Reads a request topic (<c>…/jobs/get</c>, <c>start-next</c>, <c>{jobId}/get</c>, <c>{jobId}/update</c>); false for any other.</summary>
    public static bool TryParse(string topic, out JobsRequestTopic request)
    {
        request = null!;
        foreach (var root in Roots)
        {
            if (!topic.StartsWith(root, StringComparison.Ordinal))
            {
                continue;
            }
            var parts = topic[root.Length..].Split('/');
            (JobsOperation Operation, string? JobId)? parsed = parts switch
            {
                [_, "jobs", "get"] => (JobsOperation.GetPending, null),
                [_, "jobs", "start-next"] => (JobsOperation.StartNext, null),
                [_, "jobs", var job, "get"] when job.Length > 0 => (JobsOperation.Describe, job),
                [_, "jobs", var job, "update"] when job.Length > 0 && job != NextJobId => (JobsOperation.Update, job),
                _ => null,
            };
            if (parsed is not { } found || parts[0].Length == 0)
            {
                return false;
            }
            request = new JobsRequestTopic(parts[0], found.Operation, found.JobId, Prefix(root, parts[0]), topic);
            return true;
        }
        return false;
    }

    private static string Prefix(string root, string thing) => $"{root}{thing}/jobs/";
}
