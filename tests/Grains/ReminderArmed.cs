using Orleans.Reminders.Diagnostics;
using Orleans.Runtime;

namespace CommandGrid.Tests.Grains;

/// <summary>
/// Completes once the reminder service has armed a grain's reminder, that is, its next tick waits
/// on the clock: advancing the fake clock past the tick then delivers it. Create it before the
/// reminder is registered (it listens to Orleans' reminder diagnostics from then on).
/// </summary>
internal sealed class ReminderArmed : IObserver<ReminderEvents.ReminderEvent>, IDisposable
{
    private readonly GrainId _grain;
    private readonly string _reminder;
    private readonly TaskCompletionSource _armed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly IDisposable _subscription;

    public ReminderArmed(GrainId grain, string reminder)
    {
        _grain = grain;
        _reminder = reminder;
        _subscription = ReminderEvents.AllEvents.Subscribe(this);
    }

    public Task WaitAsync() => _armed.Task.WaitAsync(TimeSpan.FromSeconds(30));

    public void OnNext(ReminderEvents.ReminderEvent value)
    {
        if (value is ReminderEvents.LocalReminderTickWaitArmed && value.GrainId == _grain && value.ReminderName == _reminder)
        {
            _armed.TrySetResult();
        }
    }

    public void OnCompleted()
    {
    }

    public void OnError(Exception error) => _armed.TrySetException(error);

    public void Dispose() => _subscription.Dispose();
}
