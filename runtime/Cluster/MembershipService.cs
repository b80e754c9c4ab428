using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CommandGrid.Runtime.Cluster;

/// <summary>
/// This member's view of the cluster: joins the membership table, heartbeats, reads the table
/// periodically into a <see cref="MembershipSnapshot"/>, declares stale members dead, and
/// fences itself (raises <see cref="DeclaredDead"/>) when it finds — or must assume — that the
/// others declared it dead. A fenced member never returns; its process restarts as a new member.
/// </summary>
public sealed class MembershipService : IAsyncDisposable
{
    private readonly ClusterOptions _options;
    private readonly ILogger<MembershipService> _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private MembershipSnapshot _snapshot = MembershipSnapshot.Empty;
    private Task? _heartbeats;
    private Task? _refreshes;
    private long _lastHeartbeatTicks = Environment.TickCount64;
    private int _fenced;

    public MembershipService(IOptions<ClusterOptions> options, MemberRole role, ILogger<MembershipService> logger)
    {
        _options = options.Value;
        _logger = logger;
        Role = role;
        MemberId = NewMemberId(_options.MemberName, role);
        Table = new MembershipTable(_options.ConnectionString, _options.ClusterId);
    }

    /// <summary>This incarnation's id: "{name}-{incarnation}", never containing '.', since observer ids use '.' after the host id.</summary>
    public string MemberId { get; }

    public MemberRole Role { get; }

    public string Address { get; private set; } = "";

    public MembershipTable Table { get; }

    public MembershipSnapshot Snapshot => Volatile.Read(ref _snapshot);

    public bool IsFenced => Volatile.Read(ref _fenced) == 1;

    public ClusterOptions Options => _options;

    /// <summary>Raised (outside any lock, one at a time) whenever the active silos or their addresses change.</summary>
    public event Action<MembershipSnapshot>? Changed;

    /// <summary>Raised once when this member learns or assumes it was declared dead: it must stop serving.</summary>
    public event Action<string>? DeclaredDead;

    /// <summary>Joins as <paramref name="address"/>, reads the table once, becomes active and starts the loops.</summary>
    public async Task StartAsync(string address, CancellationToken cancellationToken)
    {
        Address = address;
        await Table.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await Table.JoinAsync(MemberId, Role, address, cancellationToken).ConfigureAwait(false);
        if (!await Table.ActivateAsync(MemberId, cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException($"Member {MemberId} was declared dead while it joined.");
        }
        Interlocked.Exchange(ref _lastHeartbeatTicks, Environment.TickCount64);
        await RefreshAsync(cancellationToken).ConfigureAwait(false);
        _logger.LogInformation("Member {MemberId} ({Role}) joined cluster {ClusterId} at {Address}; active silos: {Silos}",
            MemberId, Role, _options.ClusterId, address, string.Join(", ", Snapshot.ActiveSilos));
        _heartbeats = Task.Run(HeartbeatLoopAsync, CancellationToken.None);
        _refreshes = Task.Run(RefreshLoopAsync, CancellationToken.None);
    }

    /// <summary>Clean shutdown: stop the loops and mark this member left, so others move its grains at once.</summary>
    public async Task LeaveAsync(CancellationToken cancellationToken)
    {
        await StopLoopsAsync().ConfigureAwait(false);
        if (IsFenced)
        {
            return;
        }
        try
        {
            await Table.LeaveAsync(MemberId, cancellationToken).ConfigureAwait(false);
            _logger.LogInformation("Member {MemberId} left cluster {ClusterId}", MemberId, _options.ClusterId);
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "Member {MemberId} could not record leaving; others will declare it dead", MemberId);
        }
    }

    /// <summary>A crash, for tests: the loops stop and nothing more is written; the others must notice by themselves.</summary>
    public async Task KillAsync()
    {
        Interlocked.Exchange(ref _fenced, 1);
        await StopLoopsAsync().ConfigureAwait(false);
    }

    /// <summary>Reads the table now, declares stale members dead, and publishes the new snapshot if placement changed.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var rows = await Table.ReadAllAsync(_options.DeathTimeout, cancellationToken).ConfigureAwait(false);
        var members = new List<ClusterMember>(rows.Count);
        foreach (var (member, stale) in rows)
        {
            var current = member;
            if (stale && member.MemberId != MemberId && member.Status is MemberStatus.Active or MemberStatus.Joining)
            {
                if (await Table.DeclareDeadAsync(member.MemberId, member.Version, _options.DeathTimeout, cancellationToken).ConfigureAwait(false))
                {
                    _logger.LogWarning("Declared member {MemberId} ({Role}, {Address}) dead: last heartbeat {HeartbeatAt:O}",
                        member.MemberId, member.Role, member.Address, member.HeartbeatAt);
                }
                // Whoever won the update, the member is no longer to be used.
                current = member with { Status = MemberStatus.Dead };
            }
            members.Add(current);
        }
        var self = members.FirstOrDefault(m => m.MemberId == MemberId);
        if (self is not null && self.Status is MemberStatus.Dead)
        {
            Fence("the membership table says it is dead");
            return;
        }
        Publish(new MembershipSnapshot(members, _options.VirtualNodes));
    }

    public async ValueTask DisposeAsync()
    {
        await StopLoopsAsync().ConfigureAwait(false);
        await Table.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private void Publish(MembershipSnapshot next)
    {
        MembershipSnapshot previous;
        lock (_gate)
        {
            previous = _snapshot;
            _snapshot = next;
        }
        if (!previous.SamePlacement(next))
        {
            _logger.LogInformation("Member {MemberId} sees active silos: {Silos}", MemberId, string.Join(", ", next.ActiveSilos));
            try
            {
                Changed?.Invoke(next);
            }
            catch (Exception e)
            {
                _logger.LogError(e, "A membership change handler failed");
            }
        }
    }

    private async Task HeartbeatLoopAsync()
    {
        var token = _stopping.Token;
        using var timer = new PeriodicTimer(_options.HeartbeatPeriod);
        try
        {
            while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false))
            {
                try
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
                    timeout.CancelAfter(_options.DeathTimeout);
                    if (!await Table.HeartbeatAsync(MemberId, timeout.Token).ConfigureAwait(false))
                    {
                        Fence("its heartbeat found it declared dead");
                        return;
                    }
                    Interlocked.Exchange(ref _lastHeartbeatTicks, Environment.TickCount64);
                }
                catch (Exception e) when (!token.IsCancellationRequested)
                {
                    var silentFor = TimeSpan.FromMilliseconds(Environment.TickCount64 - Interlocked.Read(ref _lastHeartbeatTicks));
                    _logger.LogWarning("Heartbeat of {MemberId} failed ({Error}); last success {SilentFor} ago", MemberId, e.Message, silentFor);
                    if (silentFor > _options.EffectiveFenceTimeout)
                    {
                        // The others have declared us dead by now (or will before we could prove otherwise).
                        Fence($"it could not heartbeat for {silentFor.TotalSeconds:0.#} s");
                        return;
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task RefreshLoopAsync()
    {
        var token = _stopping.Token;
        using var timer = new PeriodicTimer(_options.RefreshPeriod);
        try
        {
            while (!IsFenced && await timer.WaitForNextTickAsync(token).ConfigureAwait(false))
            {
                try
                {
                    await RefreshAsync(token).ConfigureAwait(false);
                }
                catch (Exception e) when (!token.IsCancellationRequested)
                {
                    _logger.LogWarning("Reading the membership table failed: {Error}", e.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Fence(string why)
    {
        if (Interlocked.Exchange(ref _fenced, 1) == 1)
        {
            return;
        }
        _logger.LogError("Member {MemberId} stops serving: {Reason}", MemberId, why);
        _stopping.Cancel();
        try
        {
            DeclaredDead?.Invoke(why);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "A fencing handler failed");
        }
    }

    private async Task StopLoopsAsync()
    {
        if (!_stopping.IsCancellationRequested)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
        }
        foreach (var loop in new[] { _heartbeats, _refreshes })
        {
            if (loop is not null)
            {
                await loop.ConfigureAwait(false);
            }
        }
    }

    private static string NewMemberId(string name, MemberRole role)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            name = $"{role.ToString().ToLowerInvariant()}-{Environment.MachineName}";
        }
        var clean = new StringBuilder();
        foreach (var c in name)
        {
            clean.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_');
        }
        var incarnation = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString("x") + Guid.NewGuid().ToString("N")[..4];
        return $"{clean}-{incarnation}";
    }
}
