using CommandGrid.Metrics;
using System.Data.Common;
using System.Globalization;


namespace CommandGrid.Storage;

/// <summary>
/// The <c>reminders</c> table. Reads go straight to the database; changes go through the
/// store's group-commit writer like every other write.
/// </summary>
internal sealed class RelationalReminderTable(SqlDialect dialect, GroupCommitWriter writer, GridMetrics metrics)
{
    private const string Columns = "SELECT grain_type, grain_key, grain_hash, name, due_at, period_ms, version FROM reminders";

    public async Task<IReadOnlyList<StoredReminder>> ReadRangeAsync(uint begin, uint end, DateTimeOffset? startingBefore, CancellationToken cancellationToken = default)
    {
        var conditions = new List<string>();
        var parameters = new List<SqlParameterValue>();
        if (begin != end)
        {
            // The hash is a uint stored in a bigint, so plain comparisons order it correctly.
            conditions.Add($"(grain_hash > @begin {(begin < end ? "AND" : "OR")} grain_hash <= @end)");
            parameters.Add(SqlStatement.Int64("@begin", begin));
            parameters.Add(SqlStatement.Int64("@end", end));
        }
        if (startingBefore is { } horizon)
        {
            conditions.Add("due_at < @horizon");
            parameters.Add(SqlStatement.Int64("@horizon", horizon.ToUnixTimeMilliseconds()));
        }
        var statement = conditions.Count == 0
            ? SqlStatement.Of(Columns)
            : SqlStatement.Of($"{Columns} WHERE {string.Join(" AND ", conditions)}", [.. parameters]);
        return await ReadAsync(statement, cancellationToken);
    }

    public Task<IReadOnlyList<StoredReminder>> ReadGrainAsync(StorageKey grainId, CancellationToken cancellationToken = default) =>
        ReadAsync(SqlStatement.Of(
            $"{Columns} WHERE grain_type = @grain_type AND grain_key = @grain_key",
            SqlStatement.Text("@grain_type", grainId.Type),
            SqlStatement.Text("@grain_key", grainId.Key)), cancellationToken);

    public async Task<StoredReminder?> ReadAsync(StorageKey grainId, string name, CancellationToken cancellationToken = default)
    {
        var rows = await ReadAsync(SqlStatement.Of(
            $"{Columns} WHERE grain_type = @grain_type AND grain_key = @grain_key AND name = @name",
            SqlStatement.Text("@grain_type", grainId.Type),
            SqlStatement.Text("@grain_key", grainId.Key),
            SqlStatement.Text("@name", name)), cancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }

    public Task<string> UpsertAsync(StorageKey grainId, string name, DateTimeOffset startAt, TimeSpan period, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return writer.EnqueueAsync(new ReminderUpsert(grainId, name, startAt, period, cancellationToken));
    }


    public Task<bool> RemoveAsync(StorageKey grainId, string name, string etag, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        // An ETag this table never issued cannot match any row.
        if (!long.TryParse(etag, NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            return Task.FromResult(false);
        }
        return writer.EnqueueAsync(new ReminderRemove(grainId, name, version, cancellationToken));
    }

    private async Task<IReadOnlyList<StoredReminder>> ReadAsync(SqlStatement statement, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenConnectionAsync(cancellationToken);
        await using var command = statement.CreateCommand(connection);
        metrics.StorageRoundTrip(RoundTrip.ReminderRead);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var entries = new List<StoredReminder>();
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(Read(reader));
        }
        return entries;
    }

    private static StoredReminder Read(DbDataReader reader) => new(
        new StorageKey(reader.GetString(0), reader.GetString(1), (uint)reader.GetInt64(2)),
        reader.GetString(3),
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)),
        TimeSpan.FromMilliseconds(reader.GetInt64(5)),
        reader.GetInt64(6).ToString(CultureInfo.InvariantCulture));
}
