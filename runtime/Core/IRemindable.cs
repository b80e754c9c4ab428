namespace CommandGrid.Runtime;

/// <summary>Implemented by grains that register durable reminders.</summary>
public interface IRemindable : IGrain
{
    Task ReceiveReminder(string reminderName, TickStatus status);
}

/// <summary>What a reminder tick knows of itself: when it was due and when it actually fired.</summary>
public sealed record TickStatus(DateTimeOffset DueAt, TimeSpan Period, DateTimeOffset FiredAt);
