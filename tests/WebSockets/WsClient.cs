using Xunit;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using CommandGrid.Tests.Infrastructure;

namespace CommandGrid.Tests.WebSockets;

/// <summary>
/// A DeviceHive WebSocket client for tests: every message received is kept in arrival order,
/// so a test can wait for a reply by requestId, wait for a push, or check that nothing of a
/// kind arrived before a later marker reply.
/// </summary>
public sealed class WsClient : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private readonly ClientWebSocket _socket;
    private readonly List<JsonObject> _received = [];
    private readonly object _gate = new();
    private readonly Task _reader;
    private TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _nextRequest;

    private WsClient(ClientWebSocket socket)
    {
        _socket = socket;
        _reader = Task.Run(ReadLoopAsync);
    }

    public WebSocketState State => _socket.State;

    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;

    /// <summary>Set when the server closed or the socket broke.</summary>
    public Task Closed => _reader;

    public static Task<WsClient> ConnectAsync(GridServer server, string? bearer = null) => ConnectAsync(server.WebSocketUri, bearer);

    public static async Task<WsClient> ConnectAsync(Uri uri, string? bearer = null)
    {
        var socket = new ClientWebSocket();
        if (bearer is not null)
        {
            socket.Options.SetRequestHeader("Authorization", $"Bearer {bearer}");
        }
        using var timeout = new CancellationTokenSource(Timeout);
        await socket.ConnectAsync(uri, timeout.Token);
        return new WsClient(socket);
    }

    /// <summary>Connects and authenticates with the token (default: user 1, everything).</summary>
    public static async Task<WsClient> ConnectAuthenticatedAsync(GridServer server, string? token = null)
    {
        var client = await ConnectAsync(server);
        var reply = await client.RequestAsync(new JsonObject { ["action"] = "authenticate", ["token"] = token ?? GridServer.Token() });
        Assert.Equal("success", (string?)reply["status"]);
        return client;
    }

    public IReadOnlyList<JsonObject> Received
    {
        get
        {
            lock (_gate)
            {
                return [.. _received];
            }
        }
    }

    public Task SendTextAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text);

    public async Task SendAsync(byte[] bytes, WebSocketMessageType type)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        await _socket.SendAsync(bytes, type, true, timeout.Token);
    }

    /// <summary>Sends the message with a fresh requestId and returns the reply that echoes it.</summary>
    public async Task<JsonObject> RequestAsync(JsonObject message)
    {
        var requestId = $"r{Interlocked.Increment(ref _nextRequest)}";
        message["requestId"] = requestId;
        await SendTextAsync(message.ToJsonString());
        return await WaitForAsync(m => m["requestId"] is JsonValue v && v.TryGetValue<string>(out var id) && id == requestId);
    }

    /// <summary>A request that must succeed; returns its reply.</summary>
    public async Task<JsonObject> OkAsync(JsonObject message)
    {
        var reply = await RequestAsync(message);
        Assert.True((string?)reply["status"] == "success", $"expected success, got {reply.ToJsonString()}");
        return reply;
    }

    /// <summary>A request that must fail with <paramref name="code"/>; returns its reply.</summary>
    public async Task<JsonObject> ErrorAsync(JsonObject message, int code, string? error = null)
    {
        var reply = await RequestAsync(message);
        Assert.True((string?)reply["status"] == "error" && (int?)reply["code"] == code, $"expected error {code}, got {reply.ToJsonString()}");
        if (error is not null)
        {
            Assert.Equal(error, (string?)reply["error"]);
        }
        return reply;
    }

    /// <summary>The first message (from <paramref name="from"/> on) that matches, waiting for it to arrive.</summary>
    public async Task<JsonObject> WaitForAsync(Func<JsonObject, bool> predicate, TimeSpan? timeout = null, int from = 0)
    {
        using var cancel = new CancellationTokenSource(timeout ?? Timeout);
        while (true)
        {
            Task arrived;
            lock (_gate)
            {
                for (var i = from; i < _received.Count; i++)
                {
                    if (predicate(_received[i]))
                    {
                        return _received[i];
                    }
                }
                arrived = _arrived.Task;
            }
            if (_reader.IsCompleted && !arrived.IsCompleted)
            {
                throw new InvalidOperationException($"The connection closed ({_socket.CloseStatus}) before the message arrived; got: {Dump()}");
            }
            try
            {
                await Task.WhenAny(arrived, _reader).WaitAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"No matching message within {timeout ?? Timeout}; got: {Dump()}");
            }
        }
    }

    /// <summary>A push (no requestId) with this action.</summary>
    public Task<JsonObject> WaitForPushAsync(string action, Func<JsonObject, bool>? predicate = null, TimeSpan? timeout = null) =>
        WaitForAsync(m => m["requestId"] is null && (string?)m["action"] == action && (predicate?.Invoke(m) ?? true), timeout);

    /// <summary>
    /// Sends a server/info marker and returns every message that arrived before its reply: the
    /// server writes a connection's frames in order, so a push queued before the marker was
    /// answered is in this list.
    /// </summary>
    public async Task<IReadOnlyList<JsonObject>> MessagesBeforeMarkerAsync()
    {
        var marker = await OkAsync(new JsonObject { ["action"] = "server/info" });
        lock (_gate)
        {
            return [.. _received.TakeWhile(m => !ReferenceEquals(m, marker))];
        }
    }

    public string Dump()
    {
        lock (_gate)
        {
            return string.Join("\n", _received.TakeLast(10).Select(m => m.ToJsonString()));
        }
    }

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (_socket.State == WebSocketState.Open)
            {
                using var message = new MemoryStream();
                WebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(buffer, CancellationToken.None);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        return;
                    }
                    message.Write(buffer, 0, result.Count);
                }
                while (!result.EndOfMessage);
                var json = JsonNode.Parse(message.ToArray())!.AsObject();
                lock (_gate)
                {
                    _received.Add(json);
                    var arrived = _arrived;
                    _arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    arrived.TrySetResult();
                }
            }
        }
        catch (WebSocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            lock (_gate)
            {
                _arrived.TrySetResult();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
        }
        _socket.Dispose();
        await Task.WhenAny(_reader, Task.Delay(TimeSpan.FromSeconds(5)));
    }
}
