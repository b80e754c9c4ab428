namespace CommandGrid.Gateway.Observers;

/// <summary>
/// A long poll on an observer rather than on storage: subscribe, read, then wait for the observer to hear the
/// final state or for the timeout, whichever is first. Grains keep no subscribers once final (nor for what does
/// not exist), so the read after subscribing is what sees an end that came before the subscription.
/// </summary>
internal static class FinalWait
{
    public static async Task<T?> RunAsync<T>(
        ObserverSubscription subscription, Task<T> heardFinal, Func<Task<T?>> read, Func<T, bool> isFinal,
        TimeSpan timeout, CancellationToken cancellationToken) where T : class
    {
        // Whether the grain has dropped the waiter by itself.
        var dropped = false;
        try
        {
            await subscription.StartAsync();
            var current = await read();
            if (current is null || isFinal(current))
            {
                dropped = true;
                return current;
            }
            using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timer.CancelAfter(timeout);
            try
            {
                var final = await heardFinal.WaitAsync(timer.Token);
                dropped = true;
                return final;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                current = await read();
                dropped = current is null || isFinal(current);
                return current;
            }
        }
        finally
        {
            // The answer does not wait for the grain to forget the waiter.
            _ = (dropped ? subscription.ForgottenAsync() : subscription.DisposeAsync()).AsTask();
        }
    }
}

/// <summary>What a waiting observer has heard: the first final state it was told of.</summary>
internal abstract class FinalSignal<T>(Func<T, bool> isFinal)
{
    private readonly TaskCompletionSource<T> _final = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<T> Final => _final.Task;

    protected Task Heard(T value)
    {
        if (isFinal(value))
        {
            _final.TrySetResult(value);
        }
        return Task.CompletedTask;
    }
}
