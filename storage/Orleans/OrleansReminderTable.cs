namespace CommandGrid.Storage.Orleans;

/// <summary>
/// Orleans' reminder table contract on the relational store. Upserts and removals go through
/// the store's group-commit writer, so reminders and grain states share transactions.
/// </summary>
/// <remarks>
/// The reminder service keeps in memory only the reminders that tick within its loading window and
/// leaves the others to storage, yet it reads its whole ring range at every refresh. With
/// <paramref name="rangeLookAhead"/> a range read returns only the reminders that start before now plus
/// that look-ahead (the loading window and one refresh period): a reminder that starts later cannot
/// tick within the window, so the service would drop it anyway. A million TTLs due over the next
/// hour then cost one read of the next few minutes' rows per refresh, not a million rows.
/// </remarks>
public sealed class OrleansReminderTable(RelationalStore store, TimeProvider clock, TimeSpan? rangeLookAhead) : IReminderTable
{
    /// <summary>A table whose range reads return every reminder of the range.</summary>
    public OrleansReminderTable(RelationalStore store) : this(store, TimeProvider.System, null)
    {
    }

    public Task StartAsync(CancellationToken cancellationToken = default) => store.InitializeAsync(cancellationToken);

    public async Task<ReminderTableData> ReadRows(GrainId grainId) =>
        new((await store.ReadRemindersAsync(GrainKeys.From(grainId))).Select(ToEntry));

    public async Task<ReminderTableData> ReadRows(uint begin, uint end) =>
        new((await store.ReadRemindersAsync(begin, end, clock.GetUtcNow() + rangeLookAhead)).Select(ToEntry));

    public async Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName) =>
        await store.ReadReminderAsync(GrainKeys.From(grainId), reminderName) is { } row ? ToEntry(row) : null;

    public async Task<string?> UpsertRow(ReminderEntry entry) =>
        await store.UpsertReminderAsync(
            GrainKeys.From(entry.GrainId),
            entry.ReminderName,
            new DateTimeOffset(DateTime.SpecifyKind(entry.StartAt, DateTimeKind.Utc)),
            entry.Period);

    public Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag) =>
        store.RemoveReminderAsync(GrainKeys.From(grainId), reminderName, eTag);

    public Task TestOnlyClearTable() => store.ClearRemindersAsync();

    private static ReminderEntry ToEntry(StoredReminder row) => new()
    {
        GrainId = GrainKeys.ToGrainId(row.Grain),
        ReminderName = row.Name,
        StartAt = row.StartAt.UtcDateTime,
        Period = row.Period,
        ETag = row.ETag,
    };
}
