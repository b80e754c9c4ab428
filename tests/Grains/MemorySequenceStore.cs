using CommandGrid.Storage;

namespace CommandGrid.Tests.Grains;

/// <summary>The id sequences in memory, for the one silo of the grain test cluster.</summary>
internal sealed class MemorySequenceStore : ISequenceStore
{
    private readonly Dictionary<string, long> _next = [];

    public Task<long> ReserveAsync(string sequence, int count, CancellationToken cancellationToken = default)
    {
        lock (_next)
        {
            var first = _next.GetValueOrDefault(sequence, 1);
            _next[sequence] = first + count;
            return Task.FromResult(first);
        }
    }
}
