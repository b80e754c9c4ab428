using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;
using CommandGrid.Gateway.Auth;
using CommandGrid.Gateway.Commands;
using CommandGrid.Gateway.WebSockets.Subscriptions;
using Microsoft.Extensions.Logging;

namespace CommandGrid.Gateway.WebSockets;

/// <summary>
/// One WebSocket connection: reads messages one at a time and answers them in order, holds the
/// bound token, the subscriptions and the creator watch (each renews itself), and leaves them
/// all when the connection ends.
/// </summary>
internal sealed class WsSession
{
    private static long s_connections;

    private readonly WebSocket _socket;
    private readonly WebSocketDoorOptions _options;
    private readonly int _maxMessageBytes;
    private readonly ILogger _logger;

    public WsSession(WebSocket socket, CommandService commands, TimeProvider clock, WebSocketDoorOptions options, int maxMessageBytes, ILogger logger)
    {
        _socket = socket;
        _options = options;
        _maxMessageBytes = maxMessageBytes;
        _logger = logger;
        Clock = clock;
        Id = "ws" + Interlocked.Increment(ref s_connections);
        Queue = new SendQueue(socket, options.SendQueueCapacity, TimeSpan.FromSeconds(options.SendTimeoutSeconds), logger, Id);
        Subscriptions = new SubscriptionRegistry(logger);
        Creator = new CreatorWatch(this, commands);
    }

    public string Id { get; }

    public TimeProvider Clock { get; }

    public WebSocketDoorOptions Options => _options;

    /// <summary>How often this connection's grain subscriptions renew (WebSocket:RenewSeconds).</summary>
    public TimeSpan RenewEvery => TimeSpan.FromSeconds(Math.Max(1, _options.RenewSeconds));

    /// <summary>The access token bound by authenticate (or the upgrade request's bearer token).</summary>
    public TokenPayload? Token { get; set; }

    public SendQueue Queue { get; }

    public SubscriptionRegistry Subscriptions { get; }

    public CreatorWatch Creator { get; }

    /// <summary>Queues a server push; never waits (see <see cref="SendQueue"/> for what happens when full).</summary>
    public void Push(byte[] frame, Func<Task>? afterSent = null) => Queue.TryPush(frame, afterSent);

    public async Task RunAsync(MessageDispatcher dispatcher, CancellationToken aborted)
    {
        Queue.Start();
        try
        {
            await ReceiveLoopAsync(dispatcher, aborted);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            _logger.LogInformation("WebSocket {Connection} ended: {Error}", Id, e.Message);
        }
        finally
        {
            await Subscriptions.RemoveAllAsync();
            await Creator.StopAsync();
            Queue.Close(WebSocketCloseStatus.NormalClosure, null);
            if (await Task.WhenAny(Queue.Completion, Task.Delay(TimeSpan.FromSeconds(_options.SendTimeoutSeconds))) != Queue.Completion)
            {
                _socket.Abort();
            }
        }
    }

    private async Task ReceiveLoopAsync(MessageDispatcher dispatcher, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        var chunk = new byte[16 * 1024];
        while (!Queue.Overflowed && _socket.State == WebSocketState.Open)
        {
            buffer.Clear();
            var total = 0L;
            WebSocketReceiveResult result;
            do
            {
                result = await _socket.ReceiveAsync(chunk, cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    Queue.Close(WebSocketCloseStatus.NormalClosure, null);
                    await Queue.Completion;
                    return;
                }
                total += result.Count;
                if (total <= _maxMessageBytes)
                {
                    buffer.Write(chunk.AsSpan(0, result.Count));
                }
                else if (total > _options.MaxDiscardBytes)
                {
                    _logger.LogWarning("WebSocket {Connection}: a message over {Limit} bytes; closing with 1009", Id, _options.MaxDiscardBytes);
                    Queue.Close(WebSocketCloseStatus.MessageTooBig, $"message larger than {_options.MaxDiscardBytes} bytes");
                    await Queue.Completion;
                    return;
                }
            }
            while (!result.EndOfMessage);

            byte[] frame;
            var afterReply = new List<Func<Task>>();
            if (total > _maxMessageBytes)
            {
                frame = JsonSerializer.SerializeToUtf8Bytes(dispatcher.ErrorReply(null, null, 400, $"Message is larger than {_maxMessageBytes} bytes"));
            }
            else if (result.MessageType == WebSocketMessageType.Binary)
            {
                frame = JsonSerializer.SerializeToUtf8Bytes(dispatcher.ErrorReply(null, null, 400, "Binary messages are not supported; send JSON text"));
            }
            else
            {
                frame = JsonSerializer.SerializeToUtf8Bytes(await dispatcher.DispatchAsync(this, buffer.WrittenMemory, afterReply));
            }
            await Queue.EnqueueReplyAsync(frame, cancellationToken);
            foreach (var step in afterReply)
            {
                try
                {
                    await step();
                }
                catch (Exception e)
                {
                    _logger.LogWarning(e, "WebSocket {Connection}: a step after a reply failed", Id);
                }
            }
        }
    }
}
