

namespace CommandGrid.Storage;

/// <summary>Inserts or replaces a reminder; the version moves on with every upsert so old ETags stop matching.</summary>
internal sealed class ReminderUpsert(StorageKey grainId, string name, DateTimeOffset dueAt, TimeSpan period, CancellationToken cancellationToken)
    : WriteOperation<string>(BuildStatement(grainId, name, dueAt, period), cancellationToken)
{
    private static SqlStatement BuildStatement(StorageKey grainId, string name, DateTimeOffset dueAt, TimeSpan period) => SqlStatement.Of(
        "INSERT INTO reminders (grain_type, grain_key, name, grain_hash, due_at, period_ms, version) " +
        "VALUES (@grain_type, @grain_key, @name, @grain_hash, @due_at, @period_ms, 1) " +
        "ON CONFLICT (grain_type, grain_key, name) DO UPDATE SET grain_hash = excluded.grain_hash, due_at = excluded.due_at, " +
        "period_ms = excluded.period_ms, version = reminders.version + 1 RETURNING version",
        SqlStatement.Text("@grain_type", grainId.Type),
        SqlStatement.Text("@grain_key", grainId.Key),
        SqlStatement.Text("@name", name),
        SqlStatement.Int64("@grain_hash", grainId.Hash),
        SqlStatement.Int64("@due_at", dueAt.ToUnixTimeMilliseconds()),
        SqlStatement.Int64("@period_ms", Math.Max(0, period.Ticks / TimeSpan.TicksPerMillisecond)));

    public override bool Succeeded(object? scalar) => scalar is not null;

    public override void Complete(object? scalar) =>
        Succeed(ToVersion(scalar).ToString(System.Globalization.CultureInfo.InvariantCulture));
}

/// <summary>Removes a reminder only if it is still the version its caller saw.</summary>
internal sealed class ReminderRemove(StorageKey grainId, string name, long expectedVersion, CancellationToken cancellationToken)
    : WriteOperation<bool>(SqlStatement.Of(
        "DELETE FROM reminders WHERE grain_type = @grain_type AND grain_key = @grain_key AND name = @name AND version = @expected RETURNING version",
        SqlStatement.Text("@grain_type", grainId.Type),
        SqlStatement.Text("@grain_key", grainId.Key),
        SqlStatement.Text("@name", name),
        SqlStatement.Int64("@expected", expectedVersion)), cancellationToken)
{
    // A changed or missing reminder is an answer (false), not a failure.
    public override bool Succeeded(object? scalar) => true;

    public override void Complete(object? scalar) => Succeed(scalar is not null);
}

/// <summary>Empties the reminders table (Orleans' test-only contract).</summary>
internal sealed class ReminderClearAll(CancellationToken cancellationToken)
    : WriteOperation<bool>(SqlStatement.Of("DELETE FROM reminders"), cancellationToken)
{
    public override bool Succeeded(object? scalar) => true;

    public override void Complete(object? scalar) => Succeed(true);
}
