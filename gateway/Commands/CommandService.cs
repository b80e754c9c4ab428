using CommandGrid.Gateway.Observers;
using CommandGrid.Grains.Interfaces;

namespace CommandGrid.Gateway.Commands;

/// <summary>
/// What every door does with commands, as grain calls: create, read, update, mark delivered,
/// cancel, watch, wait for the end. Every call survives the death of a silo: it is retried, and
/// each is safe to repeat.
/// </summary>
public sealed class CommandService(IGrainFactory grains, CommandIdAllocator ids, GridRetry retry, ObserverSubscriptionFactory subscriptions)
{
    // A wait ends within Commands:MaxWaitSeconds, well inside an observer's expiry: what keeps it
    // subscribed is the renewal after a cluster change; the period is a backstop.
    private static readonly TimeSpan WaitRenewal = TimeSpan.FromSeconds(30);

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

    /// <summary>
    /// A repeat of an update that already made the command final returns the stored record instead of a conflict. A
    /// device's own report goes through its device grain (<see cref="IDeviceGrain.UpdateCommandAsync"/>).
    /// </summary>
    public Task<CommandRecord> UpdateAsync(long id, CommandUpdate update) =>
        retry.RunAsync(attempt => RepeatSafeAsync(id, attempt,
            () => update.DeviceId is { } device
                ? grains.GetGrain<IDeviceGrain>(device).UpdateCommandAsync(id, update)
                : grains.GetGrain<ICommandGrain>(id).UpdateAsync(update),
            stored => update.Status is { } status && stored.DeviceStatus == status && stored.ResultJson == (update.ResultJson ?? stored.ResultJson)));

    public Task<CommandRecord> CancelAsync(long id, string source) =>
        retry.RunAsync(attempt => RepeatSafeAsync(id, attempt, () => grains.GetGrain<ICommandGrain>(id).CancelAsync(source), stored => stored.Status == CommandStatus.Canceled));

    /// <summary>The command reached its device's connection: PENDING becomes SENT (the grain decides; any later status stays).</summary>
    public Task<CommandRecord> MarkSentAsync(string deviceId, long id) => retry.RunAsync(() => grains.GetGrain<IDeviceGrain>(deviceId).MarkCommandSentAsync(id));

    public Task<CommandPage> ListAsync(CommandQuery query) => retry.RunAsync(() => grains.GetGrain<IFleetQueryGrain>(0).ListCommandsAsync(query));

    /// <summary>An observer told of every change of one execution. Not subscribed until its owner starts it.</summary>
    public ObserverSubscription Watch(long id, ICommandObserver observer, TimeSpan renewEvery) =>
        subscriptions.Create($"command {id}", observer,
            reference => grains.GetGrain<ICommandGrain>(id).SubscribeAsync(reference),
            reference => grains.GetGrain<ICommandGrain>(id).UnsubscribeAsync(reference),
            renewEvery);

    /// <summary>An observer of command feeds (<see cref="CommandFeeds"/> keys). Not subscribed until its owner starts it.</summary>
    public ObserverSubscription Follow(IReadOnlyCollection<string> feeds, ICommandFeedObserver observer, TimeSpan renewEvery) =>
        subscriptions.Create($"feeds {string.Join(',', feeds)}", observer,
            reference => Task.WhenAll(feeds.Select(feed => grains.GetGrain<ICommandFeedGrain>(feed).SubscribeAsync(reference))),
            reference => Task.WhenAll(feeds.Select(feed => grains.GetGrain<ICommandFeedGrain>(feed).UnsubscribeAsync(reference))),
            renewEvery);

    private async Task<CommandRecord> RepeatSafeAsync(long id, int attempt, Func<Task<CommandRecord>> change, Func<CommandRecord, bool> alreadyApplied)
    {
        try
        {
            return await change();
        }
        catch (CommandFinalException) when (attempt > 1)
        {
            // The earlier attempt may have been applied before its silo died: then this is its answer.
            var stored = await grains.GetGrain<ICommandGrain>(id).GetAsync();
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
    public Task<CommandRecord?> WaitForFinalAsync(long id, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var waiter = new FinalStatusWaiter();
        return FinalWait.RunAsync(Watch(id, waiter, WaitRenewal), waiter.Final, () => GetAsync(id), c => c.IsFinal, timeout, cancellationToken);
    }

    private sealed class FinalStatusWaiter() : FinalSignal<CommandRecord>(c => c.IsFinal), ICommandObserver
    {
        public Task CommandChanged(CommandRecord command) => Heard(command);
    }
}
