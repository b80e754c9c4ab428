using CommandGrid.Grains.Interfaces;

namespace CommandGrid.Grains.Jobs;

/// <summary>
/// How many executions a rate-limited job may create now: a budget that accrues at the rate, on the grid's
/// clock, from one tick to the next. It holds at most two ticks' worth, so a late tick (or a silo's restart)
/// never releases a burst, and starts with one tick's worth so a job begins at once.
/// </summary>
internal sealed class RolloutBudget(TimeSpan tick)
{
    private double _available;
    private DateTimeOffset? _last;

    /// <summary>The rate now, per minute, or null for no limit: fixed, or exponential by the job's counts.</summary>
    public static double? RatePerMinute(JobRollout? rollout, IReadOnlyDictionary<string, long> counts, int maxRate)
    {
        if (rollout?.Exponential is { } exponential)
        {
            var met = exponential.NumberOfSucceededThings is { } succeeded
                ? Count(counts, CommandStatus.Succeeded) / succeeded
                : Notified(counts) / exponential.NumberOfNotifiedThings!.Value;
            return Math.Min(maxRate, exponential.BaseRatePerMinute * Math.Pow(exponential.IncrementFactor, met));
        }
        return rollout?.MaxPerMinute;
    }

    /// <summary>Adds what accrued at <paramref name="rate"/> since the last call and returns the whole executions available.</summary>
    public int Accrue(double rate, DateTimeOffset now)
    {
        var perTick = rate * tick.TotalMinutes;
        _available = _last is { } last
            ? Math.Min(_available + rate * Math.Max(0, (now - last).TotalMinutes), Math.Max(2 * perTick, 1))
            : Math.Max(perTick, 1);
        _last = now;
        return (int)Math.Floor(_available);
    }

    public void Spend(int executions) => _available = Math.Max(0, _available - executions);

    // Delivered, answered or ended: every execution that left PENDING.
    private static long Notified(IReadOnlyDictionary<string, long> counts) => counts.Values.Sum() - Count(counts, CommandStatus.Pending);

    private static long Count(IReadOnlyDictionary<string, long> counts, string status) => counts.TryGetValue(status, out var n) ? n : 0;
}
