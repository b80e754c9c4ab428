using System.Collections.Immutable;

namespace CommandGrid.Grains.Interfaces;

/// <summary>A fleet job as every door sees it.</summary>
/// <param name="Targeted">The distinct things the targets named when the job started (a continuous job adds the ones that join later).</param>
/// <param name="Created">Executions made so far (one per thing, counted from the stored executions).</param>
/// <param name="Counts">The job's executions per status, counted from the stored executions.</param>
/// <param name="RatePerMinute">The rollout rate now (null: as fast as the grid goes).</param>
/// <param name="AbortReason">Why the job was aborted or canceled: the rule that fired, or who canceled.</param>
[GenerateSerializer, Immutable, Alias("cg.JobRecord")]
public sealed record JobRecord(
    string JobId,
    JobDefinition Definition,
    string Status,
    long Targeted,
    long Created,
    ImmutableDictionary<string, long> Counts,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt,
    double? RatePerMinute,
    string? AbortReason,
    AbortRule? AbortRule)
{
    public bool IsFinal => JobStatus.IsFinal(Status);
}

[GenerateSerializer, Immutable, Alias("cg.JobPage")]
public sealed record JobPage(IReadOnlyList<JobRecord> Items, string? NextCursor);
