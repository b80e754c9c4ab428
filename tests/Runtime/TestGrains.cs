using System.Collections.Concurrent;
using CommandGrid.Runtime;
using CommandGrid.Runtime.Observers;
using Microsoft.Extensions.Logging.Abstractions;

namespace CommandGrid.Tests.Runtime;

// Small grains that exercise one runtime promise each.

public interface ICounterGrain : IGrainWithStringKey
{
    Task<int> IncrementAsync();

    Task<int> GetAsync();

    Task<int> MaxConcurrencyAsync();

    Task SlowAsync(int milliseconds);

    Task DeactivateAsync();
}

public sealed class CounterState
{
    public int Value { get; set; }
}

public sealed class CounterGrain([PersistentState("counter")] IPersistentState<CounterState> state, ActivationLog log) : Grain, ICounterGrain
{
    private int _running;
    private int _maxRunning;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        log.Activated(GrainId);
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        log.Deactivated(GrainId);
        return Task.CompletedTask;
    }

    public async Task<int> IncrementAsync()
    {
        _maxRunning = Math.Max(_maxRunning, Interlocked.Increment(ref _running));
        // Read, yield, write: racing turns would lose increments.
        var value = state.State.Value;
        await Task.Yield();
        await Task.Delay(1);
        state.State.Value = value + 1;
        await state.WriteStateAsync();
        Interlocked.Decrement(ref _running);
        return state.State.Value;
    }

    public Task<int> GetAsync() => Task.FromResult(state.State.Value);

    public Task<int> MaxConcurrencyAsync() => Task.FromResult(_maxRunning);

    public Task SlowAsync(int milliseconds) => Task.Delay(milliseconds);

    public Task DeactivateAsync()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}

public sealed class ActivationLog
{
    public ConcurrentQueue<string> Events { get; } = new();

    public void Activated(GrainId id) => Events.Enqueue($"activate {id}");

    public void Deactivated(GrainId id) => Events.Enqueue($"deactivate {id}");

    public int Count(string prefix) => Events.Count(e => e.StartsWith(prefix, StringComparison.Ordinal));
}

public interface IPingGrain : IGrainWithStringKey
{
    /// <summary>Calls the grain named <paramref name="next"/>, which calls back the one named in its own key's partner.</summary>
    Task<string> PingAsync(string next, int depth);
}

public sealed class PingGrain : Grain, IPingGrain
{
    public async Task<string> PingAsync(string next, int depth) =>
        depth == 0 ? GetPrimaryKeyString() : await GrainFactory.GetGrain<IPingGrain>(next).PingAsync(GetPrimaryKeyString(), depth - 1);
}

public interface IAlarmGrain : IGrainWithStringKey
{
    Task SetAsync(string name, TimeSpan due, TimeSpan period);

    Task CancelAsync(string name);
}

public sealed class AlarmGrain(ReminderLog log) : Grain, IAlarmGrain, IRemindable
{
    public Task SetAsync(string name, TimeSpan due, TimeSpan period) => RegisterOrUpdateReminder(name, due, period);

    public Task CancelAsync(string name) => UnregisterReminder(name);

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        log.Record(GrainId.Key, reminderName, status);
        return Task.CompletedTask;
    }
}

public sealed class ReminderLog
{
    private readonly ConcurrentQueue<(string Key, string Name, TickStatus Status)> _ticks = new();

    public event Action? Ticked;

    public void Record(string key, string name, TickStatus status)
    {
        _ticks.Enqueue((key, name, status));
        Ticked?.Invoke();
    }

    public IReadOnlyList<TickStatus> For(string key, string name) => [.. _ticks.Where(t => t.Key == key && t.Name == name).Select(t => t.Status)];
}

public interface INewsObserver : IGrainObserver
{
    Task News(string text);
}

public interface INewsGrain : IGrainWithStringKey
{
    Task SubscribeAsync(INewsObserver observer);

    Task<int> PublishAsync(string text);
}

public sealed class NewsGrain : Grain, INewsGrain
{
    private readonly ObserverManager<INewsObserver> _observers = new(TimeSpan.FromSeconds(30), NullLogger.Instance);

    public Task SubscribeAsync(INewsObserver observer)
    {
        _observers.Subscribe(observer);
        return Task.CompletedTask;
    }

    public Task<int> PublishAsync(string text)
    {
        _observers.Notify(o => _ = o.News(text));
        return Task.FromResult(_observers.Count);
    }
}
