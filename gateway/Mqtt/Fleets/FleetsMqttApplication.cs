using System.Collections.Concurrent;
using CommandGrid.Gateway.Commands;
using CommandGrid.Gateway.Mqtt.Jobs;
using CommandGrid.Mqtt.Packets;
using CommandGrid.Mqtt.Server;
using CommandGrid.Grains.Interfaces;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CommandGrid.Gateway.Mqtt.Fleets;

/// <summary>
/// The Fleets command flow on the MQTT engine: devices log in with a device certificate, or with their thing
/// name and a device token or the device secret (<see cref="MqttDeviceCredentials"/>), may use only their own topic trees, receive command
/// requests, and answer on the response topic; every answer becomes a grain call and is
/// itself answered on response/accepted or response/rejected. The same devices may speak AWS IoT Jobs' device API on
/// their jobs topics (<see cref="JobsTopics"/>), under EMQX Fleets' prefix or AWS IoT's.
/// </summary>
public sealed class FleetsMqttApplication(
    DeviceService devices,
    CommandService commands,
    ThingJobsService jobs,
    JobDocuments documents,
    MqttDeviceCredentials credentials,
    FleetsResponseHandler responses,
    JobsRequestHandler jobRequests,
    JobsRequestLimit jobRequestLimit,
    TimeProvider clock,
    IOptions<FleetsMqttOptions> options,
    ILogger<FleetsMqttApplication> logger) : IMqttApplication, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, MqttDeviceLink> _links = new();

    private readonly ThingSessions _sessions = new();
    private readonly FleetsMqttOptions _options = options.Value;

    private IMqttPublisher? _publisher;

    private IMqttPublisher Server => _publisher ?? throw new InvalidOperationException("No MQTT server hosts this application yet.");

    public void OnServerCreated(IMqttPublisher publisher) => _publisher = publisher;

    public async ValueTask<MqttAuthResult> AuthenticateAsync(MqttConnectRequest request, CancellationToken cancellationToken)
    {
        var identity = credentials.Identify(request);
        if (!identity.IsAccepted)
        {
            return identity;
        }
        var thing = identity.Identity!;
        var record = _options.AutoRegister ? await devices.EnsureRegisteredAsync(thing) : await devices.GetAsync(thing);
        if (record is null)
        {
            return MqttAuthResult.Reject(MqttReasonCode.NotAuthorized, "Unknown thing");
        }
        if (record.IsBlocked)
        {
            return MqttAuthResult.Reject(MqttReasonCode.Banned, "The thing is blocked");
        }
        _sessions.Add(thing, request.ClientId);
        logger.LogInformation("MQTT device {DeviceId} connected as client {ClientId} ({Protocol})", thing, request.ClientId, request.ProtocolVersion);
        return MqttAuthResult.Accept(thing);
    }

    public MqttAuthorization AuthorizeSubscribe(MqttSessionInfo session, string topicFilter) =>
        IsOwnTopic(session.Identity, topicFilter) ? MqttAuthorization.Allow : MqttAuthorization.Deny;

    public MqttAuthorization AuthorizePublish(MqttSessionInfo session, string topic) =>
        IsOwnTopic(session.Identity, topic) ? MqttAuthorization.Allow : MqttAuthorization.Deny;

    private static bool IsOwnTopic(string thing, string topicOrFilter) =>
        FleetsTopics.IsInTree(thing, topicOrFilter) || JobsTopics.IsInTree(thing, topicOrFilter);

    public async ValueTask OnMessageReceivedAsync(MqttSessionInfo session, MqttApplicationMessage message, CancellationToken cancellationToken)
    {
        var (topic, body) = await jobRequests.HandleAsync(session.Identity, message.Topic, message.Payload, () => jobRequestLimit.TryTake(session.ClientId)) is { } answer
            ? (answer.Topic, answer.Body)
            : await responses.HandleAsync(message.Topic, message.Payload) is { } reply ? (reply.Topic, reply.Body) : (null, null);
        if (topic is null)
        {
            return;
        }
        // As a broker delivers it (EMQX Fleets), the answer reaches every session of the thing subscribed to its topic.
        foreach (var clientId in _sessions.Of(session.Identity, session.ClientId))
        {
            await ReplyAsync(clientId, topic, body!, correlation: null);
        }
        await ReplyOnResponseTopicAsync(session, message, body!);
    }

    // MQTT 5's request/response: the answer also goes to the response topic the request named, if it is the thing's own.
    private async Task ReplyOnResponseTopicAsync(MqttSessionInfo session, MqttApplicationMessage message, byte[] body)
    {
        if (message.ResponseTopic is { } responseTopic && IsOwnTopic(session.Identity, responseTopic))
        {
            await ReplyAsync(session.ClientId, responseTopic, body, message.CorrelationData);
        }
    }

    private async Task ReplyAsync(string clientId, string topic, byte[] body, byte[]? correlation)
    {
        await Server.PublishAsync(clientId, new MqttApplicationMessage
        {
            Topic = topic,
            Payload = body,
            QualityOfService = MqttQualityOfService.AtLeastOnce,
            CorrelationData = correlation,
            ContentType = "application/json",
        });
    }

    /// <summary>
    /// A session that subscribed to its command requests, or to any of its jobs topics, becomes a link to its device.
    /// Executions of fleet jobs go to a session that speaks jobs through its jobs topics, never also as command requests.
    /// </summary>
    public async ValueTask OnSubscribedAsync(MqttSessionInfo session, IReadOnlyList<string> topicFilters, CancellationToken cancellationToken)
    {
        var thing = session.Identity;
        var takesRequests = topicFilters.Any(f => FleetsTopics.ReceivesRequests(thing, f));
        var speaksJobs = topicFilters.Any(f => JobsTopics.IsInTree(thing, f));
        if (!takesRequests && !speaksJobs)
        {
            return;
        }
        var link = _links.GetOrAdd(session.ClientId, clientId =>
            new MqttDeviceLink(clientId, thing, Server, devices, commands, jobs, documents, clock, TimeSpan.FromSeconds(_options.RenewSeconds), logger));
        await link.ConnectAsync(takesRequests, speaksJobs);
    }

    public async ValueTask OnSessionResumedAsync(MqttSessionInfo session, CancellationToken cancellationToken)
    {
        if (_links.TryGetValue(session.ClientId, out var link))
        {
            await link.ResumedAsync();
        }
    }

    public async ValueTask OnSessionEndedAsync(MqttSessionInfo session, MqttSessionEndReason reason)
    {
        // A persistent session keeps its link: commands for it are queued in the session until the device is back.
        // A taken-over session lives on in the new connection, which may already have subscribed through the link.
        if (reason == MqttSessionEndReason.TakenOver || (session.SessionRetained && reason != MqttSessionEndReason.SessionExpired))
        {
            return;
        }
        _sessions.Remove(session.Identity, session.ClientId);
        jobRequestLimit.Forget(session.ClientId);
        if (_links.TryRemove(session.ClientId, out var link))
        {
            await link.DisposeAsync();
        }
    }

    /// <summary>
    /// When the host is disposed, the links that outlived their connections (persistent sessions)
    /// go too: their sessions lived in this process's memory only.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var clientId in _links.Keys)
        {
            if (_links.TryRemove(clientId, out var link))
            {
                await link.DisposeAsync();
            }
        }
    }
}
