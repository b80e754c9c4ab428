using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace CommandGrid.Storage;

/// <summary>
/// The group-commit writer's instruments on the "CommandGrid" meter, recorded where
/// <see cref="StorageStatistics"/> counts: batch size and commit latency per committed
/// transaction, the writes waiting in the queue, conflicts and failed transactions.
/// </summary>
public static class StorageMetrics
{
    public const string MeterName = "CommandGrid";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Histogram<int> BatchSize = Meter.CreateHistogram<int>(
        "commandgrid.storage.batch.size", unit: "{write}",
        description: "Writes carried by one group-commit transaction",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024] });

    private static readonly Histogram<double> CommitLatency = Meter.CreateHistogram<double>(
        "commandgrid.storage.commit.duration", unit: "ms",
        description: "Time from taking a batch to its commit",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500] });

    private static readonly UpDownCounter<long> QueueDepth = Meter.CreateUpDownCounter<long>(
        "commandgrid.storage.queue.depth", unit: "{write}",
        description: "Writes waiting for the group-commit writer");

    private static readonly Counter<long> Conflicts = Meter.CreateCounter<long>(
        "commandgrid.storage.conflicts", unit: "{write}",
        description: "Conditional writes refused because the stored version had moved on");

    private static readonly Counter<long> Failures = Meter.CreateCounter<long>(
        "commandgrid.storage.failed_transactions", unit: "{transaction}",
        description: "Group-commit transactions that failed to execute or commit");

    internal static void Committed(int operations, long elapsedTimestampTicks)
    {
        BatchSize.Record(operations);
        CommitLatency.Record(Stopwatch.GetElapsedTime(0, elapsedTimestampTicks).TotalMilliseconds);
    }

    internal static void Queued(int delta) => QueueDepth.Add(delta);

    internal static void Conflict() => Conflicts.Add(1);

    internal static void Failure() => Failures.Add(1);
}
