using System.Data.Common;
using Orleans.Storage;
using System.Globalization;
using CommandGrid.Metrics;

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CommandGrid.Storage;

/// <summary>
/// Grain state, indexed state tables, sequences and reminders in one SQLite or PostgreSQL
/// database. All writes share one group-commit writer; reads use short-lived pooled
/// connections of their own so they never wait behind a commit.
/// </summary>
public sealed partial class RelationalStore : IIndexedStateQuery, ISequenceStore, IAsyncDisposable
{
    private readonly SqlDialect _dialect;
    private readonly IndexedTableCatalog _catalog;
    private readonly GroupCommitWriter _writer;
    private readonly RelationalReminderTable _reminders;
    private readonly ILogger _logger;
    private readonly GridMetrics _metrics;
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private volatile bool _started;
    private bool _disposed;

    public RelationalStore(RelationalStorageOptions options, GridMetrics metrics, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(metrics);
        options.Validate();
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<RelationalStore>();
        _metrics = metrics;
        _catalog = new IndexedTableCatalog(options.IndexedTables);
        _dialect = SqlDialect.Create(options);
        _writer = new GroupCommitWriter(_dialect, options.MaxBatchSize, metrics, _logger);
        _reminders = new RelationalReminderTable(_dialect, _writer, metrics);
    }

    /// <summary>"sqlite" or "postgres".</summary>
    public string Provider => _dialect.Name;

    /// <summary>Creates the schema (idempotently) and starts the writer. Safe to call more than once.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_started)
            {
                return;
            }
            await StorageSchema.CreateAsync(_dialect, _catalog, cancellationToken);
            _writer.Start();
            _started = true;
            LogStarted(_logger, _dialect.Name, _dialect.Location, _catalog.Tables.Count);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Stops accepting writes and commits what is queued; reads keep working until disposal.</summary>
    public Task StopAsync() => _writer.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await _lifecycle.WaitAsync();
        try
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            await _writer.DisposeAsync();
            await _dialect.DisposeAsync();
            LogStopped(_logger, _dialect.Name);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>One trivial query on a connection of its own: whether the database answers (the "storage" health check).</summary>
    public async Task PingAsync(CancellationToken cancellationToken = default)
    {
        EnsureStarted();
        await using var connection = await _dialect.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1";
        _metrics.StorageRoundTrip(RoundTrip.Ping);
        await command.ExecuteScalarAsync(cancellationToken);
    }

    internal IDisposable PauseWriter() => _writer.Pause();

    // ---- grain state ----

    public async Task<StoredState?> ReadAsync(string stateName, StorageKey grainId, CancellationToken cancellationToken = default)
    {
        EnsureStarted();
        var statement = _catalog.For(grainId, stateName).Select(grainId, stateName);
        await using var connection = await _dialect.OpenConnectionAsync(cancellationToken);
        await using var command = statement.CreateCommand(connection);
        _metrics.StorageRoundTrip(RoundTrip.Read);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        return new StoredState(reader.GetString(1), reader.GetInt64(0).ToString(CultureInfo.InvariantCulture));
    }

    public Task<string> WriteAsync(string stateName, StorageKey grainId, string payload, string? etag, CancellationToken cancellationToken = default)
    {
        EnsureStarted();
        ArgumentException.ThrowIfNullOrEmpty(stateName);
        ArgumentNullException.ThrowIfNull(payload);
        var expected = ParseETag(etag, "write", grainId, stateName);
        var table = _catalog.For(grainId, stateName);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        // Built here, on the caller's thread, so a payload the indexed table cannot read fails its own caller only.
        var statement = expected is { } version
            ? table.Update(grainId, stateName, payload, version, now)
            : table.Insert(grainId, stateName, payload, now);
        return _writer.EnqueueAsync(new StateWriteOperation(
            statement, table.SelectVersion(grainId, stateName), grainId, stateName, expected, cancellationToken));
    }

    public Task ClearAsync(string stateName, StorageKey grainId, string? etag, CancellationToken cancellationToken = default)
    {
        EnsureStarted();
        ArgumentException.ThrowIfNullOrEmpty(stateName);
        var expected = ParseETag(etag, "clear", grainId, stateName);
        var table = _catalog.For(grainId, stateName);
        var probe = table.SelectVersion(grainId, stateName);
        var statement = expected is { } version ? table.Delete(grainId, stateName, version) : probe;
        return _writer.EnqueueAsync(new StateClearOperation(statement, probe, grainId, stateName, expected, cancellationToken));
    }

    // ---- IIndexedStateQuery ----

    internal async Task<IReadOnlyList<IndexedRow>> QueryAsync(IndexQuery query, CancellationToken cancellationToken = default)
    {
        EnsureStarted();
        ArgumentNullException.ThrowIfNull(query);
        var table = _catalog.Named(query.TableName);
        var statement = IndexQuerySql.Build(table, query);
        await using var connection = await _dialect.OpenConnectionAsync(cancellationToken);
        await using var command = statement.CreateCommand(connection);
        _metrics.StorageRoundTrip(RoundTrip.Query);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<IndexedRow>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var key = reader.GetString(0);
            rows.Add(new IndexedRow(
                key,
                reader.GetString(2),
                reader.GetInt64(1).ToString(CultureInfo.InvariantCulture),
                ReadOrderValue(reader, table.ResolveColumn(query.OrderColumn))));
        }
        return rows;
    }

    Task<IReadOnlyList<IndexedRow>> IIndexedStateQuery.QueryAsync(IndexQuery query, CancellationToken cancellationToken) => QueryAsync(query, cancellationToken);

    internal async Task<IReadOnlyDictionary<string, long>> CountAsync(CountQuery query, CancellationToken cancellationToken = default)
    {
        EnsureStarted();
        ArgumentNullException.ThrowIfNull(query);
        var statement = IndexQuerySql.BuildCount(_catalog.Named(query.TableName), query);
        await using var connection = await _dialect.OpenConnectionAsync(cancellationToken);
        await using var command = statement.CreateCommand(connection);
        _metrics.StorageRoundTrip(RoundTrip.Count);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            counts[Convert.ToString(reader.GetValue(0), CultureInfo.InvariantCulture)!] = reader.GetInt64(1);
        }
        return counts;
    }

    Task<IReadOnlyDictionary<string, long>> IIndexedStateQuery.CountAsync(CountQuery query, CancellationToken cancellationToken) => CountAsync(query, cancellationToken);

    // A NULL column surfaces as DBNull.Value (the contract's OrderValue is non-nullable); it is accepted back in a cursor.
    private static object ReadOrderValue(DbDataReader reader, IndexedColumn? column)
    {
        if (reader.IsDBNull(3))
        {
            return DBNull.Value;
        }
        return column?.Kind == IndexedColumnKind.Integer ? reader.GetInt64(3) : reader.GetString(3);
    }

    // ---- ISequenceStore ----

    public Task<long> ReserveAsync(string sequence, int count, CancellationToken cancellationToken = default)
    {
        EnsureStarted();
        ArgumentException.ThrowIfNullOrEmpty(sequence);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        return _writer.EnqueueAsync(new SequenceReservation(sequence, count, cancellationToken));
    }

    // ---- reminders ----

    /// <param name="startingBefore">Only the reminders whose start is before it; null for all of the range.</param>
    public Task<IReadOnlyList<StoredReminder>> ReadRemindersAsync(uint begin, uint end, DateTimeOffset? startingBefore = null, CancellationToken cancellationToken = default)
    {
        EnsureStarted();
        return _reminders.ReadRangeAsync(begin, end, startingBefore, cancellationToken);
    }

    public Task<IReadOnlyList<StoredReminder>> ReadRemindersAsync(StorageKey grainId, CancellationToken cancellationToken = default)
    {
        EnsureStarted();
        return _reminders.ReadGrainAsync(grainId, cancellationToken);
    }

    public Task<StoredReminder?> ReadReminderAsync(StorageKey grainId, string name, CancellationToken cancellationToken = default)
    {
        EnsureStarted();
        return _reminders.ReadAsync(grainId, name, cancellationToken);
    }

    public Task<string> UpsertReminderAsync(StorageKey grainId, string name, DateTimeOffset startAt, TimeSpan period, CancellationToken cancellationToken = default)
    {
        EnsureStarted();
        return _reminders.UpsertAsync(grainId, name, startAt, period, cancellationToken);
    }

    public Task<bool> RemoveReminderAsync(StorageKey grainId, string name, string etag, CancellationToken cancellationToken = default)
    {
        EnsureStarted();
        return _reminders.RemoveAsync(grainId, name, etag, cancellationToken);
    }

    public Task ClearRemindersAsync(CancellationToken cancellationToken = default)
    {
        EnsureStarted();
        return _writer.EnqueueAsync(new ReminderClearAll(cancellationToken));
    }

    private void EnsureStarted()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_started)
        {
            throw new InvalidOperationException("The relational store is not initialized: call InitializeAsync (RelationalStoreLifecycle does, at the silo's storage stage) before using it.");
        }
    }

    private static long? ParseETag(string? etag, string action, StorageKey grainId, string stateName)
    {
        if (etag is null)
        {
            return null;
        }
        // An ETag that is not one of our versions (say, from another provider) can match nothing.
        return long.TryParse(etag, NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            ? version
            : throw new InconsistentStateException(
                $"Storage conflict on {action} of state '{stateName}' of grain {grainId}: the ETag '{etag}' is not a version of this store.");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Relational storage started on {Provider} at {Location} with {IndexedTables} indexed tables")]
    private static partial void LogStarted(ILogger logger, string provider, string location, int indexedTables);

    [LoggerMessage(Level = LogLevel.Information, Message = "Relational storage on {Provider} stopped")]
    private static partial void LogStopped(ILogger logger, string provider);
}
