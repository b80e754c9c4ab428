using System.Collections.Concurrent;
using CommandGrid.Mqtt.Packets;
using CommandGrid.Mqtt.Server;

namespace CommandGrid.Tests.Mqtt.Infrastructure;

/// <summary>
/// The application the MQTT tests host: a client authenticates with user name = client id and password
/// "secret", and may subscribe and publish only under devices/{clientId}/. Everything is recorded.
/// </summary>
public sealed class TestMqttApplication : IMqttApplication
{
    public const string Password = "secret";

    public AsyncCondition Changed { get; } = new();
    public ConcurrentQueue<(MqttSessionInfo Session, MqttApplicationMessage Message)> Received { get; } = new();
    public ConcurrentQueue<(MqttSessionInfo Session, IReadOnlyList<string> Filters)> Subscribed { get; } = new();
    public ConcurrentQueue<(MqttSessionInfo Session, MqttSessionEndReason Reason)> Ended { get; } = new();
    public ConcurrentQueue<MqttConnectRequest> ConnectRequests { get; } = new();

    /// <summary>What the hosting server handed over when it was created.</summary>
    public IMqttPublisher? Publisher { get; private set; }

    public static string AllowedPrefix(string clientId) => $"devices/{clientId}/";

    public void OnServerCreated(IMqttPublisher publisher) => Publisher = publisher;

    public ValueTask<MqttAuthResult> AuthenticateAsync(MqttConnectRequest request, CancellationToken cancellationToken)
    {
        ConnectRequests.Enqueue(request);
        Changed.Notify();
        var ok = request.UserName == request.ClientId
            && request.Password is { } password
            && System.Text.Encoding.UTF8.GetString(password) == Password;
        return ValueTask.FromResult(ok
            ? MqttAuthResult.Accept(request.ClientId)
            : MqttAuthResult.Reject(MqttReasonCode.BadUserNameOrPassword, "user name must be the client id"));
    }

    public MqttAuthorization AuthorizeSubscribe(MqttSessionInfo session, string topicFilter) =>
        topicFilter.StartsWith(AllowedPrefix(session.ClientId), StringComparison.Ordinal) ? MqttAuthorization.Allow : MqttAuthorization.Deny;

    public MqttAuthorization AuthorizePublish(MqttSessionInfo session, string topic) =>
        topic.StartsWith(AllowedPrefix(session.ClientId), StringComparison.Ordinal) ? MqttAuthorization.Allow : MqttAuthorization.Deny;

    public ValueTask OnMessageReceivedAsync(MqttSessionInfo session, MqttApplicationMessage message, CancellationToken cancellationToken)
    {
        Received.Enqueue((session, message));
        Changed.Notify();
        return ValueTask.CompletedTask;
    }

    public ValueTask OnSubscribedAsync(MqttSessionInfo session, IReadOnlyList<string> topicFilters, CancellationToken cancellationToken)
    {
        Subscribed.Enqueue((session, topicFilters));
        Changed.Notify();
        return ValueTask.CompletedTask;
    }

    public ValueTask OnSessionEndedAsync(MqttSessionInfo session, MqttSessionEndReason reason)
    {
        Ended.Enqueue((session, reason));
        Changed.Notify();
        return ValueTask.CompletedTask;
    }

    public IReadOnlyList<MqttApplicationMessage> MessagesFrom(string clientId) =>
        Received.Where(r => r.Session.ClientId == clientId).Select(r => r.Message).ToList();

    public Task WaitForMessagesAsync(string clientId, int count, TimeSpan? timeout = null) =>
        Changed.WaitAsync(() => MessagesFrom(clientId).Count >= count, timeout ?? TestTimeouts.Default, $"{count} message(s) from {clientId}");

    public Task WaitForSubscriptionAsync(string clientId, string filter, TimeSpan? timeout = null) =>
        Changed.WaitAsync(
            () => Subscribed.Any(s => s.Session.ClientId == clientId && s.Filters.Contains(filter)),
            timeout ?? TestTimeouts.Default,
            $"{clientId} to subscribe to {filter}");

    /// <summary>Waits until the client's connection ended, for whatever reason.</summary>
    public Task WaitForEndAsync(string clientId, TimeSpan? timeout = null) =>
        Changed.WaitAsync(() => Ended.Any(e => e.Session.ClientId == clientId), timeout ?? TestTimeouts.Default, $"{clientId} session to end");

    public Task WaitForEndAsync(string clientId, MqttSessionEndReason reason, TimeSpan? timeout = null) =>
        Changed.WaitAsync(
            () => Ended.Any(e => e.Session.ClientId == clientId && e.Reason == reason),
            timeout ?? TestTimeouts.Default,
            $"{clientId} session to end with {reason}; ended so far: {string.Join(", ", Ended.Where(e => e.Session.ClientId == clientId).Select(e => e.Reason))}");
}
