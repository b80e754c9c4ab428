using System.Collections.Concurrent;
using System.Threading.Channels;
using CommandGrid.Runtime.Messaging;
using Microsoft.Extensions.Logging;

namespace CommandGrid.Runtime.Observers;

/// <summary>
/// The observers this process created. Each gets its notifications one at a time and in
/// the order they arrived, so a subscriber never sees a later status before an earlier one.
/// </summary>
public sealed class ObserverRegistry(ILogger<ObserverRegistry> logger)
{
    public const string ObserverGrainType = "$observer";

    private readonly ConcurrentDictionary<string, LocalObserver> _observers = new();

    /// <summary>Identifies this process among the silos and clients of a cluster; observer ids carry it so replies find their way home.</summary>
    public string HostId { get; set; } = "h" + Guid.NewGuid().ToString("N")[..12];

    public int Count => _observers.Count;

    public static bool IsObserver(GrainId id) => id.Type == ObserverGrainType;

    /// <summary>The host an observer id belongs to.</summary>
    public static string HostOf(GrainId id) => id.Key[..id.Key.IndexOf('.')];

    internal GrainId Register(object target, Type observerInterface, GrainRuntime runtime)
    {
        var id = new GrainId(ObserverGrainType, $"{HostId}.{Guid.NewGuid():N}");
        var observer = new LocalObserver(target, runtime, logger, id);
        _observers[id.Key] = observer;
        return id;
    }

    internal void Unregister(GrainId id)
    {
        if (_observers.TryRemove(id.Key, out var observer))
        {
            observer.Close();
        }
    }

    /// <summary>Queues a notification for a local observer; false if it no longer exists.</summary>
    public bool Deliver(GrainRequest request)
    {
        if (_observers.TryGetValue(request.Target.Key, out var observer))
        {
            return observer.Enqueue(request);
        }
        logger.LogDebug("Dropped {Method} for observer {Observer}: it was deleted", request.Method, request.Target);
        return false;
    }

    private sealed class LocalObserver
    {
        private readonly Channel<GrainRequest> _inbox = Channel.CreateUnbounded<GrainRequest>(new() { SingleReader = true });
        private readonly object _target;
        private readonly GrainRuntime _runtime;
        private readonly ILogger _logger;
        private readonly GrainId _id;

        public LocalObserver(object target, GrainRuntime runtime, ILogger logger, GrainId id)
        {
            _target = target;
            _runtime = runtime;
            _logger = logger;
            _id = id;
            _ = Task.Run(RunAsync);
        }

        public bool Enqueue(GrainRequest request) => _inbox.Writer.TryWrite(request);

        public void Close() => _inbox.Writer.TryComplete();

        private async Task RunAsync()
        {
            await foreach (var request in _inbox.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                var response = await _runtime.InvokeLocalAsync(_target, request).ConfigureAwait(false);
                if (response.Error is { } error)
                {
                    _logger.LogWarning("Observer {Observer} failed in {Method}: {Error}", _id, request.Method, error.Message);
                }
            }
        }
    }
}
