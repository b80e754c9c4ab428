namespace CommandGrid.Grains.Cluster;

public enum ActiveSilosChange
{
    /// <summary>This silo became active; what was missed while it was not is to be caught up.</summary>
    Joined,

    /// <summary>A silo joined or left the active set since the last view.</summary>
    Changed,
}

/// <summary>
/// Told by <see cref="ActiveSilosWatcher"/> when this silo joins and whenever the set of active silos changes.
/// Each listener is told in order, one notice after the other; listeners do not wait for each other.
/// </summary>
public interface IActiveSilosListener
{
    Task OnActiveSilosAsync(ActiveSilosChange change, CancellationToken cancellationToken);
}
