using CommandGrid.Grains.Interfaces;

namespace CommandGrid.Gateway.Commands;

/// <summary>
/// What every door does with commands, as grain calls: create, read, update, cancel, wait for
/// the end. Every call survives the death of a silo: it is retried, and each is safe to repeat.
/// </summary>
public sealed class CommandService(IGrainFactory grains, CommandIdAllocator ids, GridRetry retry)
{
    /// <summary>
    /// Creates an execution exactly once: with a client token through its grain; without one, under an
    /// id fixed before the first attempt, so a repeat finds what the first attempt stored.
    /// </summary>
    public async Task<CommandRecord> CreateAsync(CreateCommandRequest request)
    {
        if (request.ClientToken is { Length: > 0 } token)
        {
            return await retry.RunAsync(() => grains.GetGrain<IClientTokenGrain>($"{request.UserId}:{token}").CreateOnceAsync(request));
        }
        var id = await retry.RunAsync(ids.NextAsync);
        return await retry.RunAsync(() => grains.GetGrain<IDeviceGrain>(request.DeviceId).CreateCommandAsync(request, id));
    }

    public Task<CommandRecord?> GetAsync(long id) => retry.RunAsync(() => grains.GetGrain<ICommandGrain>(id).GetAsync());

    /// <summary>A repeat of an update that already made the command final returns the stored record instead of a conflict.</summary>
    public Task<CommandRecord> UpdateAsync(long id, CommandUpdate update) =>
        retry.RunAsync(attempt => RepeatSafeAsync(id, attempt, grain => grain.UpdateAsync(update),
            stored => update.Status is { } status && stored.DeviceStatus == status && stored.ResultJson == (update.ResultJson ?? stored.ResultJson)));

    public Task<CommandRecord> CancelAsync(long id, string source) =>
        retry.RunAsync(attempt => RepeatSafeAsync(id, attempt, grain => grain.CancelAsync(source), stored => stored.Status == CommandStatus.Canceled));

    public Task<CommandPage> ListAsync(CommandQuery query) => retry.RunAsync(() => grains.GetGrain<IFleetQueryGrain>(0).ListCommandsAsync(query));

    public Task<DeviceRecord?> GetDeviceAsync(string deviceId) => retry.RunAsync(() => grains.GetGrain<IDeviceGrain>(deviceId).GetAsync());

    private async Task<CommandRecord> RepeatSafeAsync(long id, int attempt, Func<ICommandGrain, Task<CommandRecord>> change, Func<CommandRecord, bool> alreadyApplied)
    {
        var grain = grains.GetGrain<ICommandGrain>(id);
        try
        {
            return await change(grain);
        }
        catch (CommandFinalException) when (attempt > 1)
        {
            // The earlier attempt may have been applied before its silo died: then this is its answer.
            var stored = await grain.GetAsync();
            if (stored is not null && alreadyApplied(stored))
            {
                return stored;
            }
            throw;
        }
    }

    /// <summary>
    /// Returns once the execution is final or <paramref name="timeout"/> passes, whichever is
    /// first, by subscribing to it rather than polling storage.
    /// </summary>
    public async Task<CommandRecord?> WaitForFinalAsync(long id, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var grain = grains.GetGrain<ICommandGrain>(id);
        var waiter = new FinalStatusWaiter();
        var reference = grains.CreateObjectReference<ICommandObserver>(waiter);
        try
        {
            await grain.SubscribeAsync(reference);
            var current = await grain.GetAsync();
            if (current is null || current.IsFinal)
            {
                return current;
            }
            using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timer.CancelAfter(timeout);
            try
            {
                return await waiter.Final.WaitAsync(timer.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return await grain.GetAsync();
            }
        }
        finally
        {
            _ = ForgetAsync(grain, reference);
        }
    }

    // The observer is deleted only after the grain forgot it, so notifications still on their way are not errors.
    private async Task ForgetAsync(ICommandGrain grain, ICommandObserver reference)
    {
        try
        {
            await grain.UnsubscribeAsync(reference);
        }
        catch (Exception e) when (GridRetry.IsUnavailable(e))
        {
            // The subscription expires on its own.
        }
        finally
        {
            grains.DeleteObjectReference<ICommandObserver>(reference);
        }
    }

    private sealed class FinalStatusWaiter : ICommandObserver
    {
        private readonly TaskCompletionSource<CommandRecord> _final = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<CommandRecord> Final => _final.Task;

        public Task CommandChanged(CommandRecord command)
        {
            if (command.IsFinal)
            {
                _final.TrySetResult(command);
            }
            return Task.CompletedTask;
        }
    }
}
