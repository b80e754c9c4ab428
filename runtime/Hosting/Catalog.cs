using CommandGrid.Runtime.Messaging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CommandGrid.Runtime.Hosting;

/// <summary>
/// The activations of this silo: finds or creates the one for a grain id and queues calls
/// to it. At most one activation per grain exists here at any time; a replacement waits
/// for its predecessor to finish deactivating.
/// </summary>
public sealed class Catalog
{
    private readonly Dictionary<GrainId, Activation> _activations = [];
    private readonly Lock _gate = new();
    private readonly IServiceProvider _services;
    private readonly ILogger<Catalog> _logger;
    private readonly GrainTypeRegistry _registry;
    private GrainRuntime? _runtime;
    private long _calls;

    public Catalog(IServiceProvider services, GrainTypeRegistry registry, ILogger<Catalog> logger)
    {
        _services = services;
        _registry = registry;
        _logger = logger;
        Activator = new GrainActivator(services, registry);
    }

    internal GrainActivator Activator { get; }

    internal GrainRuntime Runtime => _runtime ??= _services.GetRequiredService<GrainRuntime>();

    public long CallsHandled => Interlocked.Read(ref _calls);

    public bool Hosts(string grainType) => _registry.TryGet(grainType, out _);

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _activations.Count;
            }
        }
    }

    public IReadOnlyDictionary<string, int> CountByType()
    {
        lock (_gate)
        {
            return _activations.Keys.GroupBy(k => k.Type).ToDictionary(g => g.Key, g => g.Count());
        }
    }

    public bool IsActive(GrainId id)
    {
        lock (_gate)
        {
            return _activations.ContainsKey(id);
        }
    }

    public Task<GrainResponse> InvokeAsync(GrainRequest request)
    {
        if (!request.OneWay && request.CallChain.Contains(request.Target))
        {
            return Task.FromResult(GrainResponse.Failure(new DeadlockException(
                $"Deadlock: {string.Join(" -> ", request.CallChain.Append(request.Target))} calls back into a grain that is waiting on it.")));
        }
        if (!Hosts(request.Target.Type))
        {
            return Task.FromResult(GrainResponse.Failure(new InvalidOperationException($"No grain class for grain type '{request.Target.Type}' is hosted here.")));
        }
        Interlocked.Increment(ref _calls);
        var completion = new TaskCompletionSource<GrainResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        var work = new RequestWork(request, completion);
        while (!GetOrCreate(request.Target).TryEnqueue(work))
        {
        }
        return completion.Task;
    }

    /// <summary>Deactivates activations unused since <paramref name="idleFor"/> ago.</summary>
    public void CollectIdle(TimeSpan idleFor)
    {
        var cutoff = Environment.TickCount64 - (long)idleFor.TotalMilliseconds;
        foreach (var activation in Snapshot().Where(a => a.LastUsed < cutoff))
        {
            activation.TryEnqueue(new DeactivateWork(DeactivationReason.Idle, cutoff));
        }
    }

    /// <summary>Deactivates every activation whose id matches, e.g. the grains this silo no longer owns.</summary>
    public Task DeactivateAsync(Func<GrainId, bool> predicate, DeactivationReason reason)
    {
        var waits = new List<Task>();
        foreach (var activation in Snapshot().Where(a => predicate(a.GrainId)))
        {
            activation.TryEnqueue(new DeactivateWork(reason, null));
            waits.Add(activation.Deactivated);
        }
        return Task.WhenAll(waits);
    }

    internal void Remove(Activation activation)
    {
        lock (_gate)
        {
            if (_activations.TryGetValue(activation.GrainId, out var current) && current == activation)
            {
                _activations.Remove(activation.GrainId);
            }
        }
    }

    private Activation GetOrCreate(GrainId id)
    {
        lock (_gate)
        {
            if (_activations.TryGetValue(id, out var existing))
            {
                if (!existing.IsClosed)
                {
                    return existing;
                }
                var replacement = new Activation(id, this, existing.Deactivated, _logger);
                _activations[id] = replacement;
                return replacement;
            }
            var activation = new Activation(id, this, Task.CompletedTask, _logger);
            _activations[id] = activation;
            return activation;
        }
    }

    private Activation[] Snapshot()
    {
        lock (_gate)
        {
            return [.. _activations.Values];
        }
    }
}
