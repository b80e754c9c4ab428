namespace CommandGrid.Runtime.Reminders;

/// <summary>A durable timer of a grain. A zero period makes it one-shot.</summary>
public sealed record ReminderEntry(GrainId GrainId, string Name, DateTimeOffset DueAt, TimeSpan Period, string ETag)
{
    public bool IsOneShot => Period <= TimeSpan.Zero;
}
