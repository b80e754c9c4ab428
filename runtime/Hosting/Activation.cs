using System.Threading.Channels;
using CommandGrid.Runtime.Messaging;
using Microsoft.Extensions.Logging;

namespace CommandGrid.Runtime.Hosting;

/// <summary>
/// One live instance of a grain and its inbox. A single loop takes one work item at a time
/// and awaits it to the end, which is what makes grain code single-threaded without locks.
/// </summary>
internal sealed class Activation
{
    // Not SingleReader: that channel cannot count its items, and closing needs to know the inbox is empty.
    private readonly Channel<WorkItem> _inbox = Channel.CreateUnbounded<WorkItem>();
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _deactivated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<IDisposable> _timers = [];
    private readonly Catalog _catalog;
    private readonly ILogger _logger;
    private bool _closed;

    public Activation(GrainId grainId, Catalog catalog, Task previousDeactivation, ILogger logger)
    {
        GrainId = grainId;
        _catalog = catalog;
        _logger = logger;
        LastUsed = Environment.TickCount64;
        _ = Task.Run(() => RunGuardedAsync(previousDeactivation));
    }

    public GrainId GrainId { get; }

    public long LastUsed { get; private set; }

    public bool DeactivateRequested { get; set; }

    public Task Deactivated => _deactivated.Task;

    public Grain? Instance { get; private set; }

    public bool IsClosed
    {
        get
        {
            lock (_gate)
            {
                return _closed;
            }
        }
    }

    /// <summary>False once the activation closed its inbox; the caller must then ask the catalog for a new one.</summary>
    public bool TryEnqueue(WorkItem item)
    {
        lock (_gate)
        {
            return !_closed && _inbox.Writer.TryWrite(item);
        }
    }

    public IDisposable RegisterTimer(Func<Task> callback, TimeSpan dueTime, TimeSpan period)
    {
        Timer? timer = null;
        timer = new Timer(_ =>
        {
            if (!TryEnqueue(new TimerWork(callback)))
            {
                timer?.Dispose();
            }
        }, null, dueTime, period <= TimeSpan.Zero ? Timeout.InfiniteTimeSpan : period);
        _timers.Add(timer);
        return timer;
    }

    /// <summary>Whatever goes wrong, the activation leaves the catalog and its successor is released.</summary>
    private async Task RunGuardedAsync(Task previousDeactivation)
    {
        try
        {
            await RunAsync(previousDeactivation).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Activation loop of {Grain} failed", GrainId);
            Abandon(e);
        }
    }

    private async Task RunAsync(Task previousDeactivation)
    {
        await previousDeactivation.ConfigureAwait(false);
        if (!await ActivateAsync().ConfigureAwait(false))
        {
            return;
        }
        var reason = DeactivationReason.Requested;
        var reentrant = Instance!.GetType().IsDefined(typeof(ReentrantAttribute), inherit: true);
        await foreach (var item in _inbox.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            if (item is DeactivateWork deactivate)
            {
                if (deactivate.IdleSince is { } cutoff && LastUsed > cutoff)
                {
                    continue;
                }
                if (TryClose())
                {
                    reason = deactivate.Reason;
                    break;
                }
                continue;
            }
            LastUsed = Environment.TickCount64;
            if (reentrant && item is RequestWork)
            {
                _ = RunTurnAsync(item);
                continue;
            }
            await RunTurnAsync(item).ConfigureAwait(false);
            if (DeactivateRequested && TryClose())
            {
                break;
            }
        }
        await DeactivateAsync(reason).ConfigureAwait(false);
    }

    private async Task<bool> ActivateAsync()
    {
        try
        {
            var (grain, states) = _catalog.Activator.Create(this);
            Instance = grain;
            foreach (var state in states)
            {
                await state.LoadAsync().ConfigureAwait(false);
            }
            CallContext.Enter(GrainId, []);
            await grain.OnActivateAsync(CancellationToken.None).ConfigureAwait(false);
            CallContext.Clear();
            return true;
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Activation of {Grain} failed", GrainId);
            Abandon(e);
            return false;
        }
    }

    private async Task RunTurnAsync(WorkItem item)
    {
        switch (item)
        {
            case RequestWork request:
                CallContext.Enter(GrainId, request.Request.CallChain);
                var response = await _catalog.Runtime.InvokeLocalAsync(Instance!, request.Request).ConfigureAwait(false);
                CallContext.Clear();
                request.Completion.TrySetResult(response);
                break;
            case TimerWork timer:
                try
                {
                    CallContext.Enter(GrainId, []);
                    await timer.Callback().ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    _logger.LogWarning(e, "Timer callback of {Grain} failed", GrainId);
                }
                finally
                {
                    CallContext.Clear();
                }
                break;
        }
    }

    /// <summary>Gives up on this activation: callers still queued get the error, and a successor may start.</summary>
    private void Abandon(Exception error)
    {
        lock (_gate)
        {
            _closed = true;
            _inbox.Writer.TryComplete();
        }
        while (_inbox.Reader.TryRead(out var item))
        {
            if (item is RequestWork request)
            {
                request.Completion.TrySetResult(GrainResponse.Failure(error));
            }
        }
        _catalog.Remove(this);
        _deactivated.TrySetResult();
    }

    /// <summary>Closes the inbox only when nothing waits in it, so no accepted request is dropped.</summary>
    private bool TryClose()
    {
        lock (_gate)
        {
            if (_inbox.Reader.Count > 0)
            {
                return false;
            }
            _closed = true;
            _inbox.Writer.TryComplete();
            return true;
        }
    }

    private async Task DeactivateAsync(DeactivationReason reason)
    {
        foreach (var timer in _timers)
        {
            timer.Dispose();
        }
        try
        {
            await Instance!.OnDeactivateAsync(reason, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "OnDeactivateAsync of {Grain} failed", GrainId);
        }
        _catalog.Remove(this);
        _logger.LogDebug("Deactivated {Grain} ({Reason})", GrainId, reason);
        _deactivated.TrySetResult();
    }
}
