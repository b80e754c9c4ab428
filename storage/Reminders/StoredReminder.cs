namespace CommandGrid.Storage;

/// <summary>One row of the reminders table.</summary>
public sealed record StoredReminder(StorageKey Grain, string Name, DateTimeOffset StartAt, TimeSpan Period, string ETag);
