using CommandGrid.Runtime.Hosting;
using CommandGrid.Runtime.Messaging;
using CommandGrid.Runtime.Observers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CommandGrid.Runtime.Cluster;

/// <summary>
/// Routes grain calls in a cluster: to the local catalog when this silo owns the target on
/// the ring, otherwise over TCP to the owner; notifications to the member that hosts the
/// observer. Calls that provably did not run (the owner could not be dialled, or answered
/// <see cref="NotOwnerException"/>) are retried against a fresher membership view until the
/// caller's timeout; a call lost in flight fails with <see cref="SiloUnavailableException"/>,
/// since it may have run. Also answers the calls that arrive from other members.
/// </summary>
public sealed class ClusterMessageRouter : IMessageRouter
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(100);
    private static readonly string NotOwnerType = RemoteError.From(new NotOwnerException("")).Type;

    private readonly MembershipService _membership;
    private readonly ClusterTransport _transport;
    private readonly ObserverRegistry _observers;
    private readonly RuntimeOptions _runtimeOptions;
    private readonly ILogger<ClusterMessageRouter> _logger;
    private readonly Catalog? _catalog;

    public ClusterMessageRouter(MembershipService membership, ClusterTransport transport, ObserverRegistry observers,
        IOptions<RuntimeOptions> runtimeOptions, IServiceProvider services, ILogger<ClusterMessageRouter> logger)
    {
        _membership = membership;
        _transport = transport;
        _observers = observers;
        _runtimeOptions = runtimeOptions.Value;
        _logger = logger;
        // Gateways have no catalog: they never run grains, only call them.
        _catalog = membership.Role == MemberRole.Silo ? services.GetRequiredService<Catalog>() : null;
        observers.HostId = membership.MemberId;
        transport.SetHandler(HandleIncomingAsync);
    }

    private string Self => _membership.MemberId;

    public async Task<GrainResponse> SendAsync(GrainRequest request, CancellationToken cancellationToken)
    {
        if (ObserverRegistry.IsObserver(request.Target))
        {
            return await NotifyAsync(request).ConfigureAwait(false);
        }
        // One-way calls come without a deadline; give them the call timeout so retries end.
        using var oneWayTimeout = request.OneWay ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken) : null;
        oneWayTimeout?.CancelAfter(_runtimeOptions.CallTimeout);
        var token = oneWayTimeout?.Token ?? cancellationToken;
        while (true)
        {
            if (_membership.IsFenced)
            {
                return GrainResponse.Failure(new SiloUnavailableException($"Member {Self} was declared dead and no longer serves calls."));
            }
            var owner = _membership.Snapshot.Ring.OwnerOf(request.Target);
            if (owner is null)
            {
                _logger.LogDebug("No active silo for {Target} yet; waiting", request.Target);
                await Task.Delay(RetryDelay, token).ConfigureAwait(false);
                continue;
            }
            if (owner == Self && _catalog is not null)
            {
                return await _catalog.InvokeAsync(request).ConfigureAwait(false);
            }
            var response = await SendToAsync(owner, request, token).ConfigureAwait(false);
            if (response is not null && response.Error?.Type != NotOwnerType)
            {
                return response;
            }
            // Not run anywhere: the owner is unreachable or disagrees; try again with the view a refresh brings.
            await Task.Delay(RetryDelay, token).ConfigureAwait(false);
        }
    }

    /// <summary>A call from another member: run it if we own the target, forward it once if not.</summary>
    private async Task<GrainResponse> HandleIncomingAsync(ClusterConnection connection, GrainRequest request)
    {
        if (ObserverRegistry.IsObserver(request.Target))
        {
            _observers.Deliver(request);
            return GrainResponse.Success(null);
        }
        if (_catalog is null || _membership.IsFenced)
        {
            return GrainResponse.Failure(new NotOwnerException($"Member {Self} does not run grains."));
        }
        var owner = _membership.Snapshot.Ring.OwnerOf(request.Target);
        if (owner == Self)
        {
            return await _catalog.InvokeAsync(request).ConfigureAwait(false);
        }
        if (owner is null || request.Forwarded >= 1)
        {
            // Two silos disagree about the ring; the caller retries once the views converge.
            return GrainResponse.Failure(new NotOwnerException(
                $"{Self} does not own {request.Target} (owner in its view: {owner ?? "none"}); forwarded {request.Forwarded} time(s) already."));
        }
        using var timeout = new CancellationTokenSource(_runtimeOptions.CallTimeout);
        return await SendToAsync(owner, request with { Forwarded = request.Forwarded + 1 }, timeout.Token).ConfigureAwait(false)
            ?? GrainResponse.Failure(new NotOwnerException($"{Self} could not reach {owner}, the owner of {request.Target}."));
    }

    /// <summary>Sends to a member; null when nothing was sent (it could not be dialled).</summary>
    private async Task<GrainResponse?> SendToAsync(string member, GrainRequest request, CancellationToken cancellationToken)
    {
        try
        {
            var connection = await _transport.GetAsync(member, cancellationToken).ConfigureAwait(false);
            if (request.OneWay)
            {
                await connection.SendOneWayAsync(request, cancellationToken).ConfigureAwait(false);
                return GrainResponse.Success(null);
            }
            return await connection.SendRequestAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (ConnectFailedException e)
        {
            _logger.LogDebug("Call {Method} to {Target} not sent to {Member}: {Error}", request.Method, request.Target, member, e.Message);
            return null;
        }
    }

    /// <summary>Notifications are best effort, like a local observer's: subscriptions expire and are renewed, so a lost one heals.</summary>
    private async Task<GrainResponse> NotifyAsync(GrainRequest request)
    {
        var host = ObserverRegistry.HostOf(request.Target);
        if (host == Self)
        {
            _observers.Deliver(request);
            return GrainResponse.Success(null);
        }
        using var timeout = new CancellationTokenSource(_runtimeOptions.CallTimeout);
        if (await SendToAsync(host, request with { OneWay = true }, timeout.Token).ConfigureAwait(false) is null)
        {
            _logger.LogDebug("Dropped {Method} for observer {Observer}: its host {Host} is not connected", request.Method, request.Target, host);
        }
        return GrainResponse.Success(null);
    }
}
