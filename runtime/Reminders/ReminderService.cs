using CommandGrid.Runtime.Messaging;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CommandGrid.Runtime.Reminders;

/// <summary>
/// Durable reminders held in memory in a due-time queue. The table is the truth: on start
/// (and whenever the owned range changes) the service loads its range, so a reminder that
/// fell due while no silo ran fires right away. Firing is a grain call to
/// <see cref="IRemindable.ReceiveReminder"/>; a one-shot reminder is removed only after
/// the grain has taken it.
/// </summary>
public sealed class ReminderService : IReminderRegistry, IHostedService, IAsyncDisposable
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private readonly IReminderTable _table;
    private readonly GrainRuntime _runtime;
    private readonly TimeProvider _clock;
    private readonly ILogger<ReminderService> _logger;
    private readonly Dictionary<(GrainId, string), ReminderEntry> _entries = [];
    private readonly PriorityQueue<ReminderEntry, DateTimeOffset> _queue = new();
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly SemaphoreSlim _reload = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;
    private long _fired;

    public ReminderService(IReminderTable table, GrainRuntime runtime, TimeProvider clock, ILogger<ReminderService> logger,
        IOptions<ReminderOptions>? options = null)
    {
        _table = table;
        _runtime = runtime;
        _clock = clock;
        _logger = logger;
        // A clustered silo owns nothing until membership tells it its ranges; a single node owns the whole ring.
        _ranges = options?.Value.StartWithWholeRing == false ? [] : [(0u, 0u)];
    }

    private volatile IReadOnlyList<(uint Begin, uint End)> _ranges;

    /// <summary>The first ring range this silo fires reminders for (a single node: (0, 0], the whole ring).</summary>
    public (uint Begin, uint End) Range => _ranges.Count > 0 ? _ranges[0] : (0u, 0u);

    /// <summary>
    /// The ring ranges this silo fires reminders for: hashes h with Begin &lt; h &lt;= End (Begin == End: all).
    /// With virtual nodes a silo owns many; none before a clustered silo knows its place.
    /// </summary>
    public IReadOnlyList<(uint Begin, uint End)> Ranges => _ranges;

    public long Fired => Interlocked.Read(ref _fired);

    public int Pending
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await ReloadAsync(cancellationToken).ConfigureAwait(false);
        _loop = Task.Run(RunAsync, CancellationToken.None);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _wake.Release();
        if (_loop is not null)
        {
            await _loop.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopping.IsCancellationRequested)
        {
            await StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        _stopping.Dispose();
        _wake.Dispose();
    }

    /// <summary>Takes over a new range of the ring: forgets reminders outside it and loads those inside it from the table.</summary>
    public Task SetRangeAsync(uint begin, uint end, CancellationToken cancellationToken = default) =>
        SetRangesAsync([(begin, end)], cancellationToken);

    /// <summary>Takes over a set of ranges (a clustered silo's share of the ring); reloads them from the table.</summary>
    public async Task SetRangesAsync(IReadOnlyList<(uint Begin, uint End)> ranges, CancellationToken cancellationToken = default)
    {
        await _reload.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _ranges = [.. ranges];
            await ReloadAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _reload.Release();
        }
    }

    public bool Owns(GrainId grainId)
    {
        var hash = grainId.UniformHash;
        foreach (var (begin, end) in _ranges)
        {
            if (InRange(hash, begin, end))
            {
                return true;
            }
        }
        return false;
    }

    public static bool InRange(uint hash, uint begin, uint end) =>
        begin == end || (begin < end ? hash > begin && hash <= end : hash > begin || hash <= end);

    public async Task RegisterAsync(GrainId grainId, string name, TimeSpan dueTime, TimeSpan period)
    {
        var dueAt = _clock.GetUtcNow() + (dueTime < TimeSpan.Zero ? TimeSpan.Zero : dueTime);
        var etag = await _table.UpsertAsync(grainId, name, dueAt, period).ConfigureAwait(false);
        Schedule(new ReminderEntry(grainId, name, dueAt, period, etag));
    }

    public async Task UnregisterAsync(GrainId grainId, string name)
    {
        ReminderEntry? entry;
        lock (_gate)
        {
            _entries.TryGetValue((grainId, name), out entry);
        }
        entry ??= await _table.ReadAsync(grainId, name).ConfigureAwait(false);
        if (entry is null)
        {
            return;
        }
        await _table.RemoveAsync(grainId, name, entry.ETag).ConfigureAwait(false);
        lock (_gate)
        {
            if (_entries.TryGetValue((grainId, name), out var current) && current.ETag == entry.ETag)
            {
                _entries.Remove((grainId, name));
            }
        }
    }

    private async Task ReloadAsync(CancellationToken cancellationToken)
    {
        var ranges = _ranges;
        var rows = new List<ReminderEntry>();
        foreach (var (begin, end) in ranges)
        {
            rows.AddRange(await _table.ReadRangeAsync(begin, end, cancellationToken).ConfigureAwait(false));
        }
        lock (_gate)
        {
            if (!ReferenceEquals(ranges, _ranges))
            {
                // The ranges changed while we read; the newer reload wins.
                return;
            }
            _entries.Clear();
            _queue.Clear();
            foreach (var row in rows)
            {
                _entries[(row.GrainId, row.Name)] = row;
                _queue.Enqueue(row, row.DueAt);
            }
        }
        if (ranges.Count == 1)
        {
            _logger.LogInformation("Loaded {Count} reminders for ring range ({Begin}, {End}]", rows.Count, ranges[0].Begin, ranges[0].End);
        }
        else
        {
            _logger.LogInformation("Loaded {Count} reminders for {Ranges} ring ranges", rows.Count, ranges.Count);
        }
        _wake.Release();
    }

    private void Schedule(ReminderEntry entry)
    {
        if (!Owns(entry.GrainId))
        {
            return;
        }
        lock (_gate)
        {
            _entries[(entry.GrainId, entry.Name)] = entry;
            _queue.Enqueue(entry, entry.DueAt);
        }
        _wake.Release();
    }

    private async Task RunAsync()
    {
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            TimeSpan wait;
            var due = new List<ReminderEntry>();
            lock (_gate)
            {
                var now = _clock.GetUtcNow();
                while (_queue.TryPeek(out var next, out var at) && at <= now)
                {
                    _queue.Dequeue();
                    if (_entries.TryGetValue((next.GrainId, next.Name), out var current) && current == next)
                    {
                        due.Add(next);
                    }
                }
                wait = _queue.TryPeek(out _, out var nextAt) ? nextAt - now : Timeout.InfiniteTimeSpan;
            }
            foreach (var entry in due)
            {
                _ = FireAsync(entry);
            }
            if (due.Count > 0)
            {
                continue;
            }
            try
            {
                await _wake.WaitAsync(wait, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task FireAsync(ReminderEntry entry)
    {
        var firedAt = _clock.GetUtcNow();
        try
        {
            var grain = (IRemindable)_runtime.GetReference(typeof(IRemindable), entry.GrainId);
            await grain.ReceiveReminder(entry.Name, new TickStatus(entry.DueAt, entry.Period, firedAt)).ConfigureAwait(false);
            Interlocked.Increment(ref _fired);
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "Reminder {Reminder} of {Grain} failed; retrying in {Delay}", entry.Name, entry.GrainId, RetryDelay);
            Reschedule(entry, entry with { DueAt = _clock.GetUtcNow() + RetryDelay });
            return;
        }
        try
        {
            if (entry.IsOneShot)
            {
                await _table.RemoveAsync(entry.GrainId, entry.Name, entry.ETag).ConfigureAwait(false);
                lock (_gate)
                {
                    if (_entries.TryGetValue((entry.GrainId, entry.Name), out var current) && current == entry)
                    {
                        _entries.Remove((entry.GrainId, entry.Name));
                    }
                }
                return;
            }
            var next = entry.DueAt + entry.Period;
            var now = _clock.GetUtcNow();
            if (next <= now)
            {
                // A periodic reminder that fell behind skips the ticks it missed instead of firing them in a burst.
                next = now + entry.Period - TimeSpan.FromTicks((now - entry.DueAt).Ticks % entry.Period.Ticks);
            }
            // Conditional, so a grain that unregistered or re-registered meanwhile keeps what it asked for.
            var etag = await _table.AdvanceAsync(entry.GrainId, entry.Name, next, entry.ETag).ConfigureAwait(false);
            if (etag is null)
            {
                return;
            }
            Reschedule(entry, entry with { DueAt = next, ETag = etag });
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "Storing the next tick of reminder {Reminder} of {Grain} failed", entry.Name, entry.GrainId);
            Reschedule(entry, entry with { DueAt = _clock.GetUtcNow() + RetryDelay });
        }
    }

    /// <summary>Replaces <paramref name="previous"/> by <paramref name="next"/> unless the grain registered anew meanwhile.</summary>
    private void Reschedule(ReminderEntry previous, ReminderEntry next)
    {
        lock (_gate)
        {
            if (!_entries.TryGetValue((previous.GrainId, previous.Name), out var current) || current != previous)
            {
                return;
            }
            _entries[(next.GrainId, next.Name)] = next;
            _queue.Enqueue(next, next.DueAt);
        }
        _wake.Release();
    }
}
