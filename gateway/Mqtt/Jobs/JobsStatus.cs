using CommandGrid.Grains.Interfaces;

namespace CommandGrid.Gateway.Mqtt.Jobs;

/// <summary>
/// An execution's status as a device on the jobs topics sees it: the grid's PENDING and SENT are both QUEUED (not yet
/// started), every other status is AWS IoT Jobs' own word.
/// </summary>
public static class JobsStatus
{
    public const string Queued = "QUEUED";
    public const string InProgress = CommandStatus.InProgress;

    /// <summary>The statuses a device may report on <c>{jobId}/update</c>.</summary>
    public static IReadOnlyList<string> Reportable { get; } = [CommandStatus.InProgress, CommandStatus.Succeeded, CommandStatus.Failed, CommandStatus.Rejected];

    /// <summary>Statuses AWS IoT Jobs knows that only the grid sets: a device reporting one makes an invalid transition.</summary>
    public static IReadOnlyList<string> GridOnly { get; } = [Queued, CommandStatus.TimedOut, CommandStatus.Canceled, "REMOVED"];

    public static string Of(string status) => status is CommandStatus.Pending or CommandStatus.Sent ? Queued : status;
}
