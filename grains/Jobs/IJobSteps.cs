namespace CommandGrid.Grains.Jobs;

/// <summary>
/// The calls a job grain makes to itself, one-way, so that each step is a turn of its own: other calls (counts,
/// reads, cancels) get their turn between pages, and the notices of a burst of results queue up behind one recount.
/// </summary>
[Alias("cg.IJobSteps")]
public interface IJobSteps : IGrainWithStringKey
{
    /// <summary>The next page of the fan-out, when the budget allows.</summary>
    [OneWay]
    Task ContinueAsync();

    /// <summary>Counts the executions afresh, then checks the abort rules and the end.</summary>
    [OneWay]
    Task RecountAsync();

    /// <summary>Gives the things whose executions failed since the last look their retries.</summary>
    [OneWay]
    Task RetryAsync();
}
