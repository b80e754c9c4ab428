using CommandGrid.Grains.Interfaces;
using CommandGrid.Runtime;

namespace CommandGrid.Gateway.Commands;

/// <summary>
/// What every door does with commands, as grain calls: create (idempotently when there is a
/// client token), read, update, cancel, wait for the end.
/// </summary>
public sealed class CommandService(IGrainFactory grains)
{
    public Task<CommandRecord> CreateAsync(CreateCommandRequest request) =>
        request.ClientToken is { Length: > 0 } token
            ? grains.GetGrain<IClientTokenGrain>($"{request.UserId}:{token}").CreateOnceAsync(request)
            : grains.GetGrain<IDeviceGrain>(request.DeviceId).CreateCommandAsync(request);

    public Task<CommandRecord?> GetAsync(long id) => grains.GetGrain<ICommandGrain>(id).GetAsync();

    public Task<CommandRecord> UpdateAsync(long id, CommandUpdate update) => grains.GetGrain<ICommandGrain>(id).UpdateAsync(update);

    public Task<CommandRecord> CancelAsync(long id, string source) => grains.GetGrain<ICommandGrain>(id).CancelAsync(source);

    public Task<CommandPage> ListAsync(CommandQuery query) => grains.GetGrain<IFleetQueryGrain>(0).ListCommandsAsync(query);

    public Task<DeviceRecord?> GetDeviceAsync(string deviceId) => grains.GetGrain<IDeviceGrain>(deviceId).GetAsync();

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
            grains.DeleteObjectReference(reference);
            _ = grain.UnsubscribeAsync(reference);
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
