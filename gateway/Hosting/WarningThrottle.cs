namespace CommandGrid.Gateway.Hosting;

/// <summary>
/// Lets one warning of a kind through per interval and counts the ones held back, so that what fails for many
/// clients at once (a grid outage failing every subscription renewal, a fleet retrying with expired certificates)
/// logs a line, not one per connection.
/// </summary>
internal sealed class WarningThrottle(TimeProvider clock, TimeSpan interval)
{
    private readonly object _gate = new();
    private DateTimeOffset _next = DateTimeOffset.MinValue;
    private int _held;

    /// <summary>Whether a warning may be logged now; if so, <paramref name="held"/> is how many were held back since the last one.</summary>
    public bool TryTake(out int held)
    {
        lock (_gate)
        {
            var now = clock.GetUtcNow();
            if (now < _next)
            {
                _held++;
                held = 0;
                return false;
            }
            _next = now + interval;
            held = _held;
            _held = 0;
            return true;
        }
    }
}
