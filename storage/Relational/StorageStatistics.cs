using System.Diagnostics;

namespace CommandGrid.Storage;

/// <summary>
/// Live counters of the group-commit writer, read by tests and dashboards. Updated with
/// Interlocked so readers on other threads never see torn values.
/// </summary>
public sealed class StorageStatistics
{
    private long _transactionsCommitted;
    private long _operationsWritten;
    private long _largestBatch;
    private long _conflicts;
    private long _failedTransactions;
    private long _totalCommitTicks;
    private long _lastCommitTicks;
    private long _queued;

    /// <summary>Group-commit transactions that committed.</summary>
    public long TransactionsCommitted => Interlocked.Read(ref _transactionsCommitted);

    /// <summary>Writes (state writes and clears, reminder changes, sequence reservations) in committed transactions, conflicts included.</summary>
    public long OperationsWritten => Interlocked.Read(ref _operationsWritten);

    /// <summary>The most operations one committed transaction carried.</summary>
    public long LargestBatch => Interlocked.Read(ref _largestBatch);

    /// <summary>Conditional writes refused because the version had moved on.</summary>
    public long Conflicts => Interlocked.Read(ref _conflicts);

    /// <summary>Transactions that failed to execute or commit (their callers got the error).</summary>
    public long FailedTransactions => Interlocked.Read(ref _failedTransactions);

    /// <summary>Writes waiting for the writer right now.</summary>
    public long QueueLength => Interlocked.Read(ref _queued);

    /// <summary>Time from taking a batch to its commit, summed over all committed transactions.</summary>
    public TimeSpan TotalCommitLatency => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _totalCommitTicks));

    public TimeSpan LastCommitLatency => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _lastCommitTicks));

    public TimeSpan AverageCommitLatency
    {
        get
        {
            var count = TransactionsCommitted;
            return count == 0 ? TimeSpan.Zero : TotalCommitLatency / count;
        }
    }

    internal void RecordCommit(int operations, long elapsedTimestampTicks)
    {
        Interlocked.Increment(ref _transactionsCommitted);
        StorageMetrics.Committed(operations, elapsedTimestampTicks);
        Interlocked.Add(ref _operationsWritten, operations);
        Interlocked.Add(ref _totalCommitTicks, elapsedTimestampTicks);
        Interlocked.Exchange(ref _lastCommitTicks, elapsedTimestampTicks);
        long largest;
        while (operations > (largest = Interlocked.Read(ref _largestBatch))
            && Interlocked.CompareExchange(ref _largestBatch, operations, largest) != largest)
        {
        }
    }

    internal void RecordConflict()
    {
        Interlocked.Increment(ref _conflicts);
        StorageMetrics.Conflict();
    }

    internal void RecordFailure()
    {
        Interlocked.Increment(ref _failedTransactions);
        StorageMetrics.Failure();
    }

    internal void RecordQueued(int delta)
    {
        Interlocked.Add(ref _queued, delta);
        StorageMetrics.Queued(delta);
    }

    public override string ToString() =>
        $"transactions={TransactionsCommitted} operations={OperationsWritten} largestBatch={LargestBatch} conflicts={Conflicts} failed={FailedTransactions} avgCommit={AverageCommitLatency.TotalMilliseconds:F2}ms";
}
