using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Orleans.Runtime.Messaging;

namespace CommandGrid.Gateway.Commands;

/// <summary>
/// Retries a grain call that failed because its silo died or was unreachable, until
/// Runtime:CallTimeout has passed. Only for calls that are safe to repeat: reads, creates with a
/// fixed id or a client token, and updates whose repeat the caller recognises (it is told the attempt number).
/// </summary>
public sealed partial class GridRetry(IOptions<GridCallOptions> options, TimeProvider clock, ILogger<GridRetry> logger)
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Whether the failure says "the grid could not be reached", as opposed to an answer from a grain
    /// (a SiloUnavailableException is an OrleansMessageRejectionException).
    /// </summary>
    public static bool IsUnavailable(Exception e) =>
        e is OrleansMessageRejectionException or ConnectionFailedException or GatewayTooBusyException or TimeoutException;

    public async Task<T> RunAsync<T>(Func<int, Task<T>> attempt)
    {
        var deadline = clock.GetUtcNow() + options.Value.CallTimeout;
        var backoff = FirstBackoff;
        for (var number = 1; ; number++)
        {
            try
            {
                return await attempt(number);
            }
            catch (Exception e) when (IsUnavailable(e) && clock.GetUtcNow() + backoff < deadline)
            {
                LogRetrying(logger, number, backoff.TotalMilliseconds, e.GetType().Name, e.Message);
                await Task.Delay(backoff, clock);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }

    public Task<T> RunAsync<T>(Func<Task<T>> call) => RunAsync(_ => call());

    [LoggerMessage(Level = LogLevel.Warning, Message = "Grain call attempt {Attempt} failed ({Error}: {Reason}); retrying in {BackoffMs} ms")]
    private static partial void LogRetrying(ILogger logger, int attempt, double backoffMs, string error, string reason);
}
