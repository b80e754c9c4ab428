using Microsoft.Extensions.Time.Testing;
using Orleans.Runtime;

namespace CommandGrid.Tests.Grains;

/// <summary>
/// Moves the fake clock for one grain's periodic reminder, each time only once the reminder service has armed its next
/// tick. A clock moved before that (while the last tick's answer is on its way back) finds no tick waiting, and the
/// service then arms the one after: a test that counts on one tick per period would lose one. Create it before the
/// reminder is registered.
/// </summary>
internal sealed class ReminderClock(FakeTimeProvider clock, GrainId grain, string reminder) : IDisposable
{
    private ReminderArmed _armed = new(grain, reminder);

    public async Task AdvanceAsync(TimeSpan by)
    {
        await _armed.WaitAsync();
        _armed.Dispose();
        _armed = new ReminderArmed(grain, reminder);
        clock.Advance(by);
    }

    public void Dispose() => _armed.Dispose();
}
