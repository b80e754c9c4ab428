using CommandGrid.Runtime.Reminders;

namespace CommandGrid.Runtime.Hosting;

/// <summary>What an activation gives its grain: identity, the factory, reminders and timers.</summary>
public sealed class ActivationContext
{
    private readonly Activation _activation;

    internal ActivationContext(Activation activation, IGrainFactory factory, IReminderRegistry reminders)
    {
        _activation = activation;
        GrainFactory = factory;
        Reminders = reminders;
    }

    public GrainId GrainId => _activation.GrainId;

    public IGrainFactory GrainFactory { get; }

    public IReminderRegistry Reminders { get; }

    internal void RequestDeactivation() => _activation.DeactivateRequested = true;

    internal IDisposable RegisterTimer(Func<Task> callback, TimeSpan dueTime, TimeSpan period) =>
        _activation.RegisterTimer(callback, dueTime, period);
}
