using System.Data.Common;
using System.Diagnostics;
using System.Threading.Channels;
using CommandGrid.Metrics;
using Microsoft.Extensions.Logging;

namespace CommandGrid.Storage;

/// <summary>
/// Group commit: every write of the store queues here, and one loop takes whatever has
/// queued (up to a maximum), runs it in one transaction on one connection and commits
/// once, so that many grains share the cost of one durable commit. Callers are completed
/// only after the commit.
/// </summary>
internal sealed partial class GroupCommitWriter : IAsyncDisposable
{
    private readonly Channel<WriteOperation> _queue = Channel.CreateUnbounded<WriteOperation>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SqlDialect _dialect;
    private readonly int _maxBatchSize;
    private readonly GridMetrics _metrics;
    private readonly ILogger _logger;
    // Held by tests to let a known set of writes pile up and land in one batch.
    private readonly SemaphoreSlim _gate = new(1, 1);
    private DbConnection? _connection;
    // Made on _connection and gone with it.
    private readonly PreparedCommands _commands;
    private Task? _loop;

    public GroupCommitWriter(SqlDialect dialect, int maxBatchSize, GridMetrics metrics, ILogger logger)
    {
        _dialect = dialect;
        _commands = new PreparedCommands(dialect.KeepsWriterCommands);
        _maxBatchSize = maxBatchSize;
        _metrics = metrics;
        _logger = logger;
    }

    public void Start() => _loop ??= Task.Run(RunAsync);

    public Task<T> EnqueueAsync<T>(WriteOperation<T> operation)
    {
        if (operation.CancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(operation.CancellationToken);
        }
        if (!_queue.Writer.TryWrite(operation))
        {
            throw new ObjectDisposedException(nameof(GroupCommitWriter), "The storage writer has stopped; no more writes are accepted.");
        }
        _metrics.WritesQueued(1);
        return operation.Task;
    }

    /// <summary>Stops taking writes, commits everything already queued, and closes the connection.</summary>
    public async Task StopAsync()
    {
        _queue.Writer.TryComplete();
        if (_loop is { } loop)
        {
            await loop;
        }
        else
        {
            // Never started: nobody will write what queued, so tell its callers.
            while (_queue.Reader.TryRead(out var operation))
            {
                _metrics.WritesQueued(-1);
                operation.Fail(new ObjectDisposedException(nameof(GroupCommitWriter), "The storage was stopped before it started."));
            }
        }
        await CloseConnectionAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _gate.Dispose();
    }

    internal IDisposable Pause()
    {
        _gate.Wait();
        return new Releaser(_gate);
    }

    private async Task RunAsync()
    {
        var batch = new List<WriteOperation>(_maxBatchSize);
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync())
        {
            await _gate.WaitAsync();
            _gate.Release();
            while (batch.Count < _maxBatchSize && reader.TryRead(out var operation))
            {
                _metrics.WritesQueued(-1);
                if (operation.CancellationToken.IsCancellationRequested)
                {
                    operation.Cancel();
                    continue;
                }
                batch.Add(operation);
            }
            if (batch.Count > 0)
            {
                await WriteBatchAsync(batch);
                batch.Clear();
            }
        }
    }

    private async Task WriteBatchAsync(IReadOnlyList<WriteOperation> batch)
    {
        var started = Stopwatch.GetTimestamp();
        object?[] results;
        DbConnection connection;
        DbTransaction transaction;
        try
        {
            connection = await GetConnectionAsync();
            transaction = await connection.BeginTransactionAsync();
        }
        catch (Exception e)
        {
            FailAll(batch, e, "open a transaction");
            return;
        }

        await using (transaction)
        {
            try
            {
                results = await ExecuteAsync(connection, transaction, batch);
            }
            catch (Exception e)
            {
                await RollbackQuietlyAsync(transaction);
                await CloseConnectionAsync();
                if (batch.Count > 1)
                {
                    // One bad statement must not fail the others: retry each alone to find it.
                    LogBatchIsolated(_logger, batch.Count, e);
                    foreach (var operation in batch)
                    {
                        await WriteBatchAsync([operation]);
                    }
                }
                else
                {
                    FailAll(batch, e, "execute the write");
                }
                return;
            }

            try
            {
                _metrics.StorageRoundTrip(RoundTrip.Commit);
                await transaction.CommitAsync();
            }
            catch (Exception e)
            {
                await CloseConnectionAsync();
                FailAll(batch, e, "commit");
                return;
            }
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        _metrics.BatchCommitted(batch.Count, elapsed);
        LogCommitted(_logger, batch.Count, elapsed.TotalMilliseconds);
        await CompleteAsync(connection, batch, results);
    }

    private async Task CompleteAsync(DbConnection connection, IReadOnlyList<WriteOperation> batch, object?[] results)
    {
        List<int>? conflicts = null;
        for (var i = 0; i < batch.Count; i++)
        {
            if (batch[i].Succeeded(results[i]))
            {
                batch[i].Complete(results[i]);
            }
            else
            {
                (conflicts ??= []).Add(i);
            }
        }
        if (conflicts is null)
        {
            return;
        }
        foreach (var i in conflicts)
        {
            _metrics.WriteConflicted();
            var actual = results[i];
            if (batch[i].ConflictProbe is { } probe)
            {
                try
                {
                    _metrics.StorageRoundTrip(RoundTrip.Probe);
                    actual = await _commands.ScalarAsync(connection, null, probe);
                }
                catch (Exception e)
                {
                    // The version found only enriches the message; the conflict stands without it.
                    LogProbeFailed(_logger, e);
                    actual = null;
                }
            }
            batch[i].CompleteConflict(actual);
        }
    }

    private async Task<object?[]> ExecuteAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<WriteOperation> batch)
    {
        var results = new object?[batch.Count];
        if (connection.CanCreateBatch && batch.Count > 1)
        {
            // One round trip for the whole batch. Every statement returns a result set
            // (RETURNING / SELECT), so result sets map one-to-one onto operations.
            await using var dbBatch = connection.CreateBatch();
            dbBatch.Transaction = transaction;
            foreach (var operation in batch)
            {
                operation.Statement.AddTo(dbBatch);
            }
            _metrics.StorageRoundTrip(RoundTrip.Write);
            await using var reader = await dbBatch.ExecuteReaderAsync();
            var index = 0;
            do
            {
                if (index >= results.Length)
                {
                    throw new InvalidOperationException("The database returned more result sets than statements were sent.");
                }
                results[index++] = await reader.ReadAsync() && !await reader.IsDBNullAsync(0) ? reader.GetValue(0) : null;
            }
            while (await reader.NextResultAsync());
            if (index != results.Length)
            {
                throw new InvalidOperationException($"The database returned {index} result sets for {results.Length} statements.");
            }
            return results;
        }
        for (var i = 0; i < batch.Count; i++)
        {
            _metrics.StorageRoundTrip(RoundTrip.Write);
            results[i] = await _commands.ScalarAsync(connection, transaction, batch[i].Statement);
        }
        return results;
    }

    private async Task<DbConnection> GetConnectionAsync()
    {
        if (_connection is null)
        {
            var connection = await _dialect.OpenConnectionAsync(CancellationToken.None);
            try
            {
                await _dialect.PrepareWriterAsync(connection, CancellationToken.None);
            }
            catch
            {
                await connection.DisposeAsync();
                throw;
            }
            _connection = connection;
        }
        return _connection;
    }

    // After any failure the connection's state is unknown; a fresh one from the pool is cheap.
    private async Task CloseConnectionAsync()
    {
        if (_connection is { } connection)
        {
            _connection = null;
            await _commands.ClearAsync();
            await connection.DisposeAsync();
        }
    }

    private static async Task RollbackQuietlyAsync(DbTransaction transaction)
    {
        try
        {
            await transaction.RollbackAsync();
        }
        catch (Exception)
        {
            // The connection is discarded next; a failed rollback leaves nothing behind.
        }
    }

    private void FailAll(IReadOnlyList<WriteOperation> batch, Exception error, string stage)
    {
        _metrics.TransactionFailed();
        LogBatchFailed(_logger, batch.Count, stage, _dialect.Name, error);
        foreach (var operation in batch)
        {
            operation.Fail(error);
        }
    }

    [LoggerMessage(Level = LogLevel.Trace, Message = "Group commit of {Operations} writes took {CommitMs:F2} ms")]
    private static partial void LogCommitted(ILogger logger, int operations, double commitMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A batch of {Operations} writes failed; retrying each write in its own transaction")]
    private static partial void LogBatchIsolated(ILogger logger, int operations, Exception error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Storage failed to {Stage} for {Operations} writes on {Provider}")]
    private static partial void LogBatchFailed(ILogger logger, int operations, string stage, string provider, Exception error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not read the current version after a storage conflict")]
    private static partial void LogProbeFailed(ILogger logger, Exception error);

    private sealed class Releaser(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}
