namespace CommandGrid.Storage;

/// <summary>Durable, cluster-wide counters handing out blocks of ids.</summary>
public interface ISequenceStore
{
    /// <summary>Reserves <paramref name="count"/> consecutive values of the named sequence and returns the first. Values start at 1.</summary>
    Task<long> ReserveAsync(string sequence, int count, CancellationToken cancellationToken = default);
}
