namespace CommandGrid.Grains.Interfaces;

/// <summary>SCHEDULED → IN_PROGRESS → COMPLETED, CANCELED or ABORTED; a final status never changes.</summary>
public static class JobStatus
{
    public const string Scheduled = "SCHEDULED";
    public const string InProgress = "IN_PROGRESS";
    public const string Completed = "COMPLETED";
    public const string Canceled = "CANCELED";
    public const string Aborted = "ABORTED";

    public static IReadOnlyList<string> Known { get; } = [Scheduled, InProgress, Completed, Canceled, Aborted];

    public static bool IsFinal(string status) => status is Completed or Canceled or Aborted;
}
