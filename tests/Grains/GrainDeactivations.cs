using System.Threading.Channels;
using Orleans.Runtime;
using Orleans.Runtime.Diagnostics;

namespace CommandGrid.Tests.Grains;

/// <summary>
/// Queues every deactivation of one grain (and counts its activations), from Orleans' grain lifecycle diagnostics, so a test waits
/// for the event instead of for time. Create it before the call that should deactivate the grain.
/// </summary>
internal sealed class GrainDeactivations : IObserver<GrainLifecycleEvents.LifecycleEvent>, IDisposable
{
    private readonly GrainId _grain;
    private readonly Channel<DeactivationReason> _deactivated = Channel.CreateUnbounded<DeactivationReason>();
    private readonly IDisposable _subscription;
    private int _activations;

    public GrainDeactivations(GrainId grain)
    {
        _grain = grain;
        _subscription = GrainLifecycleEvents.AllEvents.Subscribe(this);
    }

    /// <summary>The reason of the next deactivation, or a timeout if none comes.</summary>
    public Task<DeactivationReason> NextAsync() => _deactivated.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

    /// <summary>Deactivations seen and not yet read.</summary>
    public int Unread => _deactivated.Reader.Count;

    /// <summary>Activations of the grain seen since this was created.</summary>
    public int Activations => Volatile.Read(ref _activations);

    public void OnNext(GrainLifecycleEvents.LifecycleEvent value)
    {
        if (value is GrainLifecycleEvents.Activated activated && activated.GrainContext.GrainId == _grain)
        {
            Interlocked.Increment(ref _activations);
        }
        if (value is GrainLifecycleEvents.Deactivated deactivated && deactivated.GrainContext.GrainId == _grain)
        {
            _deactivated.Writer.TryWrite(deactivated.Reason);
        }
    }

    public void OnCompleted()
    {
    }

    public void OnError(Exception error) => _deactivated.Writer.TryComplete(error);

    public void Dispose() => _subscription.Dispose();
}
