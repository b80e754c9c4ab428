namespace CommandGrid.Runtime.Storage;

/// <summary>
/// Durable grain state. Every write is conditional on the ETag the writer read:
/// a stale ETag throws <see cref="InconsistentStateException"/> and changes nothing.
/// A completed write is durable (committed), never merely buffered.
/// </summary>
public interface IGrainStorage
{
    Task<StoredState?> ReadAsync(string stateName, GrainId grainId, CancellationToken cancellationToken = default);

    /// <param name="etag">The ETag read, or null when the writer believes no record exists.</param>
    /// <returns>The new ETag.</returns>
    Task<string> WriteAsync(string stateName, GrainId grainId, string payload, string? etag, CancellationToken cancellationToken = default);

    Task ClearAsync(string stateName, GrainId grainId, string? etag, CancellationToken cancellationToken = default);
}
