using CommandGrid.Runtime.Hosting;

namespace CommandGrid.Runtime;

/// <summary>
/// Base class of grain implementations. The runtime runs one turn at a time per activation,
/// so grain code needs no locks; state is loaded before <see cref="OnActivateAsync"/>.
/// </summary>
public abstract class Grain
{
    private ActivationContext? _context;

    protected ActivationContext Context => _context ?? throw new InvalidOperationException("The grain is not activated yet.");

    public GrainId GrainId => Context.GrainId;

    protected IGrainFactory GrainFactory => Context.GrainFactory;

    public string GetPrimaryKeyString() => GrainId.Key;

    public long GetPrimaryKeyLong() => GrainId.KeyAsLong();

    public virtual Task OnActivateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public virtual Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Asks the runtime to deactivate this activation once the current turn ends.</summary>
    protected void DeactivateOnIdle() => Context.RequestDeactivation();

    /// <summary>
    /// Registers or replaces a durable reminder. A zero <paramref name="period"/> makes it
    /// one-shot; it is removed once delivered. The call returns once the reminder is stored.
    /// </summary>
    protected Task RegisterOrUpdateReminder(string name, TimeSpan dueTime, TimeSpan period) =>
        Context.Reminders.RegisterAsync(GrainId, name, dueTime, period);

    protected Task UnregisterReminder(string name) => Context.Reminders.UnregisterAsync(GrainId, name);

    /// <summary>A non-durable timer whose callback runs as a turn of this activation; it ends with the activation.</summary>
    protected IDisposable RegisterTimer(Func<Task> callback, TimeSpan dueTime, TimeSpan period) =>
        Context.RegisterTimer(callback, dueTime, period);

    internal void Attach(ActivationContext context) => _context = context;
}

public enum DeactivationReason
{
    Idle,
    Requested,
    ShuttingDown,
    OwnershipMoved,
}
