using System.Collections.Immutable;
using CommandGrid.Grains.Interfaces;

namespace CommandGrid.Grains.Jobs;

/// <summary>
/// The stored form of a job: its definition, its status and times, and the rollout cursor (which target source
/// and where in it the fan-out has reached), written after each page of executions so that a job resumes where
/// it stopped. Status and creation time are top-level: the storage indexes them.
/// </summary>
[GenerateSerializer, Alias("cg.JobState")]
public sealed class JobState
{
    [Id(0)]
    public string JobId { get; set; } = "";
    [Id(1)]
    public JobDefinition Definition { get; set; } = null!;
    [Id(2)]
    public string Status { get; set; } = JobStatus.Scheduled;
    [Id(3)]
    public long CreatedAtMs { get; set; }
    [Id(4)]
    public long? StartedAtMs { get; set; }
    [Id(5)]
    public long? CompletedAtMs { get; set; }
    /// <summary>The distinct things the targets named at the start (a continuous job's joiners add to it).</summary>
    [Id(6)]
    public long Targeted { get; set; }
    /// <summary>The target source the fan-out is in: 0 the listed thing ids, then each group in order.</summary>
    [Id(7)]
    public int SourceIndex { get; set; }
    /// <summary>Where in the source the next page starts: an index in the thing ids, or a group page's cursor.</summary>
    [Id(8)]
    public string? SourceCursor { get; set; }
    /// <summary>Every source has been walked; a continuous job walks them again at <see cref="RescanAtMs"/>.</summary>
    [Id(9)]
    public bool FannedOut { get; set; }
    [Id(10)]
    public long? RescanAtMs { get; set; }
    /// <summary>endAt passed: no more executions are created; the job completes when the created ones are final.</summary>
    [Id(11)]
    public bool Ended { get; set; }
    [Id(12)]
    public string? AbortReason { get; set; }
    [Id(13)]
    public AbortRule? AbortRule { get; set; }
    /// <summary>The open statuses whose executions are still to be canceled (after an abort, a cancel or endAt); empty when none.</summary>
    [Id(14)]
    public List<string> CancelStatuses { get; set; } = [];
    /// <summary>The counts at the last status change, for listings; the grain counts afresh from the executions.</summary>
    [Id(15)]
    public Dictionary<string, long> Counts { get; set; } = [];

    /// <summary>The page whose executions are being created, if any; see <see cref="FanOutPage"/>.</summary>
    [Id(16)]
    public FanOutPage? Page { get; set; }

    /// <summary>Per failure status a retry follows: where the look for failed executions has reached (a storage cursor).</summary>
    [Id(17)]
    public Dictionary<string, string> RetryCursors { get; set; } = [];

    /// <summary>
    /// Per status, the executions that were followed by a retry: counts leave them out, so that a thing counts once, by
    /// its last execution. Written with the cursor that passed them, so each is counted once.
    /// </summary>
    [Id(18)]
    public Dictionary<string, long> Retried { get; set; } = [];

    public bool IsFinal() => JobStatus.IsFinal(Status);

    public JobRecord ToRecord(IReadOnlyDictionary<string, long>? counts, double? ratePerMinute)
    {
        var current = (counts ?? Counts).ToImmutableDictionary();
        return new JobRecord(JobId, Definition, Status, Math.Max(Targeted, current.Values.Sum()), current.Values.Sum(), current,
            DateTimeOffset.FromUnixTimeMilliseconds(CreatedAtMs), Time(StartedAtMs), Time(CompletedAtMs), ratePerMinute, AbortReason, AbortRule);
    }

    private static DateTimeOffset? Time(long? ms) => ms is { } value ? DateTimeOffset.FromUnixTimeMilliseconds(value) : null;
}
