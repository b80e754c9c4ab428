namespace CommandGrid.Runtime.Reminders;

/// <summary>What grains use to register and remove their durable reminders.</summary>
public interface IReminderRegistry
{
    Task RegisterAsync(GrainId grainId, string name, TimeSpan dueTime, TimeSpan period);

    Task UnregisterAsync(GrainId grainId, string name);
}
