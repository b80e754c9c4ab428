using CommandGrid.Grains.Interfaces;

namespace CommandGrid.Grains.Jobs;

/// <summary>Which abort rule, if any, the job's counts meet: executed things are its final executions.</summary>
internal static class AbortCheck
{
    private static readonly string[] AllFailures = [CommandStatus.Failed, CommandStatus.Rejected, CommandStatus.TimedOut];

    public static (AbortRule Rule, string Reason)? Fired(IEnumerable<AbortRule> rules, IReadOnlyDictionary<string, long> counts)
    {
        var executed = counts.Where(c => CommandStatus.IsFinal(c.Key)).Sum(c => c.Value);
        foreach (var rule in rules)
        {
            var failures = rule.FailureType == AbortRule.All
                ? AllFailures.Sum(s => counts.TryGetValue(s, out var n) ? n : 0)
                : counts.TryGetValue(rule.FailureType, out var m) ? m : 0;
            if (executed >= rule.MinExecutedThings && executed > 0 && failures * 100.0 >= rule.ThresholdPercent * executed)
            {
                return (rule, $"{failures} of {executed} executed things ended {rule.FailureType} " +
                    $"(rule: {rule.FailureType} at {rule.ThresholdPercent}% after {rule.MinExecutedThings})");
            }
        }
        return null;
    }
}
