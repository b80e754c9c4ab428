namespace CommandGrid.Storage.Orleans;

/// <summary>
/// Orleans' reminder table contract on the relational store. Upserts and removals go through
/// the store's group-commit writer, so reminders and grain states share transactions.
/// </summary>
public sealed class OrleansReminderTable(RelationalStore store) : IReminderTable
{
    public Task StartAsync(CancellationToken cancellationToken = default) => store.InitializeAsync(cancellationToken);

    public async Task<ReminderTableData> ReadRows(GrainId grainId) =>
        new((await store.ReadRemindersAsync(GrainKeys.From(grainId))).Select(ToEntry));

    public async Task<ReminderTableData> ReadRows(uint begin, uint end) =>
        new((await store.ReadRemindersAsync(begin, end)).Select(ToEntry));

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
