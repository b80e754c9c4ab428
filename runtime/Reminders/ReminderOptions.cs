namespace CommandGrid.Runtime.Reminders;

/// <summary>How the reminder service starts.</summary>
public sealed class ReminderOptions
{
    /// <summary>
    /// True for a single node (it owns every reminder); a clustered silo sets it false and
    /// receives its ranges from the placement ring once it has joined.
    /// </summary>
    public bool StartWithWholeRing { get; set; } = true;
}
