using System.Collections.Concurrent;
using System.Buffers;
using CommandGrid.Gateway.Commands;
using CommandGrid.Gateway.Mqtt.Fleets;
using CommandGrid.Gateway.Observers;
using CommandGrid.Grains.Interfaces;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Exceptions;

namespace CommandGrid.Gateway.Mqtt.Broker;

/// <summary>
/// Broker mode: the gateway as a client (MQTTnet's) of an external MQTT broker. Device responses arrive through
/// the shared subscription <c>$share/{group}/$emqx/commands/things/+/executions/+/response</c>, so
/// several gateways split them; each becomes the same grain call the listener makes, and the reply
/// goes back to the broker on <c>.../response/accepted|rejected</c>. When it publishes requests, the
/// bridge listens to the "all" command feed and publishes every new PENDING command at QoS 1; once
/// the broker acknowledges it (and thereby took responsibility for it), the command is marked SENT.
/// On every (re)connection it also sweeps the commands still PENDING, which covers commands created
/// while this gateway was down or cut off from the broker.
/// </summary>
public sealed class MqttBrokerBridge : ICommandFeedObserver, IAsyncDisposable
{
    private readonly MqttBrokerOptions _options;
    private readonly CommandService _commands;
    private readonly JobDocuments _documents;
    private readonly FleetsResponseHandler _responses;
    private readonly ILogger _logger;
    private readonly MqttBrokerConnection _client;
    private readonly ConcurrentDictionary<long, byte> _publishing = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly TimeSpan _renewEvery;
    private ObserverSubscription? _feed;
    private long _responsesHandled;
    private long _requestsPublished;
    private int _disposed;
    private readonly int _partition;
    private readonly int _partitions;

    public MqttBrokerBridge(MqttBrokerOptions options, CommandService commands, JobDocuments documents, FleetsResponseHandler responses, TimeSpan renewEvery, ILogger logger)
    {
        _options = options;
        _commands = commands;
        _documents = documents;
        _responses = responses;
        _renewEvery = renewEvery;
        _logger = logger;
        ClientId = string.IsNullOrEmpty(options.BrokerClientId) ? $"commandgrid-gw-{Guid.NewGuid():N}"[..27] : options.BrokerClientId;
        (_partition, _partitions) = ParsePartition(options.BrokerPartition);
        _client = new MqttBrokerConnection(options, ClientId, ResponseFilter, OnMessageAsync, logger)
        {
            OnConnected = options.BrokerPublishRequests ? SweepPendingAsync : null,
        };
    }

    public string ClientId { get; }

    public string ResponseFilter => string.IsNullOrEmpty(_options.BrokerShareGroup)
        ? $"{FleetsTopics.Root}+/executions/+/response"
        : $"$share/{_options.BrokerShareGroup}/{FleetsTopics.Root}+/executions/+/response";

    /// <summary>Whether this gateway's partition covers the thing (always, without a partition).</summary>
    public bool Owns(string thing) => _partitions <= 1 || StableHash(thing) % (uint)_partitions == (uint)_partition;

    /// <summary>FNV-1a over UTF-8: the same on every gateway and every run, unlike string.GetHashCode.</summary>
    public static uint StableHash(string value)
    {
        var hash = 2166136261u;
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(value))
        {
            hash = (hash ^ b) * 16777619u;
        }
        return hash;
    }

    private static (int Index, int Count) ParsePartition(string? partition)
    {
        if (string.IsNullOrWhiteSpace(partition))
        {
            return (0, 1);
        }
        var parts = partition.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[0], out var index) || !int.TryParse(parts[1], out var count) || count < 1 || index < 0 || index >= count)
        {
            throw new ArgumentException($"Mqtt:BrokerPartition '{partition}' must be i/N with 0 <= i < N");
        }
        return (index, count);
    }

    public bool IsConnected => _client.IsConnected;

    /// <summary>Connections made so far (it grows by one on every reconnect).</summary>
    public int ConnectionCount => _client.ConnectionCount;

    /// <summary>Device responses this bridge took from its share of the subscription.</summary>
    public long ResponsesHandled => Interlocked.Read(ref _responsesHandled);

    /// <summary>Requests the broker acknowledged.</summary>
    public long RequestsPublished => Interlocked.Read(ref _requestsPublished);

    public Task WaitConnectedAsync(CancellationToken cancellationToken) => _client.WaitConnectedAsync(cancellationToken);

    public void Start()
    {
        if (_options.BrokerPublishRequests)
        {
            _feed = _commands.Follow([CommandFeeds.All], this, _renewEvery);
            // Not awaited: the host starts without waiting for the grid; until the feed is subscribed, the sweep on connecting finds new commands.
            _ = _feed.TryStartAsync();
        }
        _client.Start();
    }

    public Task OnCommandEvent(CommandEvent commandEvent)
    {
        if (commandEvent is { Kind: CommandEventKind.Inserted, Command.Status: CommandStatus.Pending })
        {
            _ = PublishRequestAsync(commandEvent.Command);
        }
        return Task.CompletedTask;
    }

    private async Task SweepPendingAsync()
    {
        try
        {
            string? cursor = null;
            var count = 0;
            do
            {
                var page = await _commands.ListAsync(new CommandQuery(Status: CommandStatus.Pending, Descending: false, Cursor: cursor, Limit: 500));
                foreach (var command in page.Items)
                {
                    count++;
                    _ = PublishRequestAsync(command);
                }
                cursor = page.NextCursor;
            }
            while (cursor is not null && !_stopping.IsCancellationRequested);
            if (count > 0)
            {
                _logger.LogInformation("Broker bridge {ClientId} publishing {Count} pending commands after connecting", ClientId, count);
            }
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "Sweeping pending commands for the broker failed; new commands still go out as they are created");
        }
    }

    /// <summary>Publishes one request at QoS 1, retrying across reconnects until the broker acknowledges it or the command expires.</summary>
    private async Task PublishRequestAsync(CommandRecord command)
    {
        var remaining = command.ExpiresAt - DateTimeOffset.UtcNow;
        if (remaining <= TimeSpan.Zero || !Owns(command.DeviceId) || !_publishing.TryAdd(command.Id, 0))
        {
            return;
        }
        try
        {
            using var expiry = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            expiry.CancelAfter(remaining);
            var topic = FleetsTopics.Request(command.DeviceId, command.Id);
            var payload = FleetsPayloads.Request(await _documents.DeliverableAsync(command));
            while (true)
            {
                try
                {
                    var message = Message(topic, payload);
                    if (_client.IsV5)
                    {
                        // The broker drops the request once the command would have timed out anyway.
                        message.MessageExpiryInterval = (uint)Math.Max(1, (command.ExpiresAt - DateTimeOffset.UtcNow).TotalSeconds);
                    }
                    var puback = await _client.PublishAsync(message, expiry.Token);
                    if (!puback.IsSuccess)
                    {
                        _logger.LogWarning("The broker refused request {CommandId} for {DeviceId} ({ReasonCode} {Reason}); it stays PENDING",
                            command.Id, command.DeviceId, puback.ReasonCode, puback.ReasonString);
                        return;
                    }
                    break;
                }
                catch (MqttCommunicationException e)
                {
                    // Try again on the next connection (PublishAsync waits for it).
                    _logger.LogDebug("Request {CommandId} not acknowledged by the broker ({Error}); publishing it again", command.Id, e.Message);
                }
            }
            Interlocked.Increment(ref _requestsPublished);
            await _commands.MarkSentAsync(command.DeviceId, command.Id);
        }
        catch (OperationCanceledException)
        {
            // Expired before the broker could take it, or shutting down: it times out (or is swept) as usual.
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "Publishing request {CommandId} for {DeviceId} to the broker failed", command.Id, command.DeviceId);
        }
        finally
        {
            _publishing.TryRemove(command.Id, out _);
        }
    }

    private MqttApplicationMessage Message(string topic, byte[] payload, byte[]? correlation = null)
    {
        var builder = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce);
        if (_client.IsV5)
        {
            builder.WithContentType("application/json").WithCorrelationData(correlation);
        }
        return builder.Build();
    }

    private async Task OnMessageAsync(MqttApplicationMessage message)
    {
        // With a shared subscription the broker already split the responses: handle all that arrive.
        if (string.IsNullOrEmpty(_options.BrokerShareGroup) && FleetsTopics.TryParseResponse(message.Topic, out var owner, out _) && !Owns(owner))
        {
            return;
        }
        // MQTTnet copies every inbound payload into an array of its own, so this is no copy.
        var payload = message.Payload.IsSingleSegment ? message.Payload.First : message.Payload.ToArray();
        if (await _responses.HandleAsync(message.Topic, payload) is not { } reply)
        {
            return;
        }
        Interlocked.Increment(ref _responsesHandled);
        await ReplyAsync(reply.Topic, reply.Body, correlation: null);
        if (message.ResponseTopic is { Length: > 0 } responseTopic
            && FleetsTopics.TryParseResponse(message.Topic, out var thing, out _) && FleetsTopics.IsInTree(thing, responseTopic))
        {
            await ReplyAsync(responseTopic, reply.Body, message.CorrelationData);
        }
    }

    private async Task ReplyAsync(string topic, byte[] body, byte[]? correlation)
    {
        try
        {
            var puback = await _client.PublishAsync(Message(topic, body, correlation), _stopping.Token);
            if (!puback.IsSuccess)
            {
                _logger.LogInformation("The broker refused the reply on {Topic}: {ReasonCode} {Reason}", topic, puback.ReasonCode, puback.ReasonString);
            }
        }
        catch (Exception e) when (e is MqttCommunicationException or OperationCanceledException)
        {
            _logger.LogInformation("Reply on {Topic} not delivered to the broker: {Error}", topic, e.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        await _stopping.CancelAsync();
        if (_feed is not null)
        {
            await _feed.DisposeAsync();
        }
        await _client.DisposeAsync();
        _stopping.Dispose();
    }
}
