namespace CommandGrid.Grains.Interfaces;

/// <summary>
/// The statuses of an execution and how a device's own words map onto them. PENDING and
/// SENT belong to the grid; everything after comes from the device, an operator or the TTL.
/// </summary>
public static class CommandStatus
{
    public const string Pending = "PENDING";
    public const string Sent = "SENT";
    public const string InProgress = "IN_PROGRESS";
    public const string Succeeded = "SUCCEEDED";
    public const string Failed = "FAILED";
    public const string Rejected = "REJECTED";
    public const string TimedOut = "TIMED_OUT";
    public const string Canceled = "CANCELED";

    public static IReadOnlyList<string> Known { get; } = [Pending, Sent, InProgress, Succeeded, Failed, Rejected, TimedOut, Canceled];

    /// <summary>The statuses of an execution that is not final yet (every other status is final).</summary>
    public static IReadOnlyList<string> Open { get; } = [Pending, Sent, InProgress];

    private static readonly Dictionary<string, string> Spellings = new(StringComparer.OrdinalIgnoreCase)
    {
        ["succeeded"] = Succeeded, ["success"] = Succeeded, ["completed"] = Succeeded, ["complete"] = Succeeded,
        ["done"] = Succeeded, ["ok"] = Succeeded,
        ["failed"] = Failed, ["failure"] = Failed, ["fail"] = Failed, ["error"] = Failed,
        ["rejected"] = Rejected, ["reject"] = Rejected,
        ["canceled"] = Canceled, ["cancelled"] = Canceled,
        ["in_progress"] = InProgress, ["in progress"] = InProgress, ["inprogress"] = InProgress, ["in-progress"] = InProgress,
        ["processing"] = InProgress, ["running"] = InProgress, ["executing"] = InProgress, ["started"] = InProgress,
        ["accepted"] = InProgress, ["received"] = InProgress,
        ["pending"] = Pending, ["sent"] = Sent, ["timed_out"] = TimedOut, ["timedout"] = TimedOut, ["timeout"] = TimedOut,
    };

    public static bool IsFinal(string status) => status is not (Pending or Sent or InProgress);

    /// <summary>
    /// The normalised status for what a device reported: a known spelling maps to its status;
    /// any other string stays as given and counts as final, since in DeviceHive an update means "processed".
    /// </summary>
    public static string Normalize(string reported) =>
        Spellings.TryGetValue(reported.Trim(), out var status) ? status : reported;

    /// <summary>Statuses only the grid itself may set; a device reporting one is making an invalid transition.</summary>
    public static bool IsReservedForGrid(string normalized) => normalized is Pending or Sent or TimedOut;
}
