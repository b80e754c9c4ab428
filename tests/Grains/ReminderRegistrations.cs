using System.Collections.Concurrent;
using Orleans.Runtime;
using Orleans.Reminders.Diagnostics;

namespace CommandGrid.Tests.Grains;

/// <summary>
/// Records every registration and removal of one grain's reminder, from Orleans' reminder diagnostics: what a grain
/// did to the reminder table, seen without reading it. Create it before the calls under test.
/// </summary>
internal sealed class ReminderRegistrations : IObserver<ReminderEvents.ReminderEvent>, IDisposable
{
    private readonly GrainId _grain;
    private readonly string _reminder;
    private readonly IDisposable _subscription;

    public ReminderRegistrations(GrainId grain, string reminder)
    {
        _grain = grain;
        _reminder = reminder;
        _subscription = ReminderEvents.AllEvents.Subscribe(this);
    }

    /// <summary>"registered" and "unregistered", in the order the reminder service did them.</summary>
    public ConcurrentQueue<string> Seen { get; } = new();

    public void OnNext(ReminderEvents.ReminderEvent value)
    {
        if (value.GrainId != _grain || value.ReminderName != _reminder)
        {
            return;
        }
        if (value is ReminderEvents.Registered)
        {
            Seen.Enqueue("registered");
        }
        else if (value is ReminderEvents.Unregistered)
        {
            Seen.Enqueue("unregistered");
        }
    }

    public void OnCompleted()
    {
    }

    public void OnError(Exception error)
    {
    }

    public void Dispose() => _subscription.Dispose();
}
