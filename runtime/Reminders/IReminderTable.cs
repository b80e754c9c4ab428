namespace CommandGrid.Runtime.Reminders;

/// <summary>
/// The durable store of reminders. Rows carry the grain's <see cref="GrainId.UniformHash"/>
/// so a silo can load just the range of the ring it owns.
/// </summary>
public interface IReminderTable
{
    /// <summary>Reminders whose grain hash h satisfies begin &lt; h &lt;= end, wrapping around when begin &gt;= end (begin == end means the whole ring).</summary>
    Task<IReadOnlyList<ReminderEntry>> ReadRangeAsync(uint begin, uint end, CancellationToken cancellationToken = default);

    Task<ReminderEntry?> ReadAsync(GrainId grainId, string name, CancellationToken cancellationToken = default);

    /// <summary>Inserts or replaces the reminder unconditionally; returns the new ETag.</summary>
    Task<string> UpsertAsync(GrainId grainId, string name, DateTimeOffset dueAt, TimeSpan period, CancellationToken cancellationToken = default);

    /// <summary>Moves a periodic reminder to its next due time if its ETag still matches; the new ETag, or null when it changed or is gone.</summary>
    Task<string?> AdvanceAsync(GrainId grainId, string name, DateTimeOffset dueAt, string etag, CancellationToken cancellationToken = default);

    /// <summary>Removes the reminder if its ETag still matches; false when it changed or is gone.</summary>
    Task<bool> RemoveAsync(GrainId grainId, string name, string etag, CancellationToken cancellationToken = default);
}
