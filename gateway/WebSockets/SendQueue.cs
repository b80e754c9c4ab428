using System.Net.WebSockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace CommandGrid.Gateway.WebSockets;

/// <summary>
/// The frames waiting to be written to one connection, and the single loop that writes them,
/// so that one slow or dead client never holds up a grain, an observer or another connection.
/// </summary>
/// <remarks>
/// Overflow policy:
/// <list type="bullet">
/// <item>Replies to the client's own requests wait for room while the queue is half full: the
/// connection stops reading requests until the client reads its answers (back-pressure on that
/// client alone; its requests are still answered, in order).</item>
/// <item>Pushes (command/insert, command/update) never wait: one that finds the queue full marks
/// the connection overflowed. Nothing more is written; the connection is closed with 1008
/// (policy violation, "send queue overflow") and logged. Dropping a push silently would lose a
/// delivery; closing instead tells the client to reconnect, and a device that subscribes again
/// is sent every command still pending for it.</item>
/// <item>A frame that cannot be written within the send timeout means a dead peer: the socket is aborted.</item>
/// </list>
/// </remarks>
internal sealed class SendQueue
{
    public const WebSocketCloseStatus OverflowStatus = WebSocketCloseStatus.PolicyViolation;

    private readonly WebSocket _socket;
    private readonly Channel<Outgoing> _channel = Channel.CreateUnbounded<Outgoing>(new UnboundedChannelOptions { SingleReader = true });
    private readonly int _capacity;
    private readonly int _replyLimit;
    private readonly TimeSpan _sendTimeout;
    private readonly ILogger _logger;
    private readonly string _connectionId;
    private int _count;
    private int _overflowed;
    private volatile bool _stopped;
    private TaskCompletionSource _room = NewSignal();
    private WebSocketCloseStatus _closeStatus = WebSocketCloseStatus.NormalClosure;
    private string? _closeReason;

    public SendQueue(WebSocket socket, int capacity, TimeSpan sendTimeout, ILogger logger, string connectionId)
    {
        _socket = socket;
        _capacity = Math.Max(2, capacity);
        _replyLimit = Math.Max(1, _capacity / 2);
        _sendTimeout = sendTimeout;
        _logger = logger;
        _connectionId = connectionId;
    }

    public int Count => Volatile.Read(ref _count);

    public bool Overflowed => Volatile.Read(ref _overflowed) == 1;

    /// <summary>Completes when the writer has stopped: the queue was closed, overflowed, or the socket failed.</summary>
    public Task Completion { get; private set; } = Task.CompletedTask;

    public void Start() => Completion = Task.Run(WriteLoopAsync);

    /// <summary>Queues a reply, waiting while the queue is half full.</summary>
    public async ValueTask EnqueueReplyAsync(byte[] frame, CancellationToken cancellationToken)
    {
        while (Volatile.Read(ref _count) >= _replyLimit && !Overflowed && !_stopped)
        {
            var room = Volatile.Read(ref _room).Task;
            if (Volatile.Read(ref _count) < _replyLimit)
            {
                break;
            }
            await room.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        Interlocked.Increment(ref _count);
        _channel.Writer.TryWrite(new Outgoing(frame, null));
    }

    /// <summary>Queues a push without waiting; false (and the connection is being closed) when the queue is full.</summary>
    /// <param name="afterSent">Run once the frame is written (e.g. to confirm a delivery).</param>
    public bool TryPush(byte[] frame, Func<Task>? afterSent = null)
    {
        if (Overflowed)
        {
            return false;
        }
        if (Interlocked.Increment(ref _count) > _capacity)
        {
            Interlocked.Decrement(ref _count);
            if (Interlocked.Exchange(ref _overflowed, 1) == 0)
            {
                _logger.LogWarning("WebSocket {Connection}: send queue overflow ({Capacity} frames waiting); closing with 1008", _connectionId, _capacity);
                Close(OverflowStatus, "send queue overflow");
                Volatile.Read(ref _room).TrySetResult();
            }
            return false;
        }
        return _channel.Writer.TryWrite(new Outgoing(frame, afterSent));
    }

    /// <summary>Stops taking frames; the writer sends what is queued (unless overflowed), then the close frame.</summary>
    public void Close(WebSocketCloseStatus status, string? reason)
    {
        lock (_channel)
        {
            if (_closeReason is null && status != WebSocketCloseStatus.NormalClosure)
            {
                _closeStatus = status;
                _closeReason = reason;
            }
        }
        _channel.Writer.TryComplete();
    }

    private async Task WriteLoopAsync()
    {
        try
        {
            await foreach (var item in _channel.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                if (Overflowed)
                {
                    break;
                }
                using (var timeout = new CancellationTokenSource(_sendTimeout))
                {
                    await _socket.SendAsync(item.Frame, WebSocketMessageType.Text, endOfMessage: true, timeout.Token).ConfigureAwait(false);
                }
                Interlocked.Decrement(ref _count);
                Interlocked.Exchange(ref _room, NewSignal()).TrySetResult();
                if (item.AfterSent is { } afterSent)
                {
                    _ = RunAfterSentAsync(afterSent);
                }
            }
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var timeout = new CancellationTokenSource(_sendTimeout);
                await _socket.CloseOutputAsync(_closeStatus, _closeReason ?? "", timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException or IOException)
        {
            _logger.LogInformation("WebSocket {Connection}: writing failed ({Error}); aborting", _connectionId, e.Message);
            _socket.Abort();
        }
        finally
        {
            _channel.Writer.TryComplete();
            _stopped = true;
            Volatile.Read(ref _room).TrySetResult();
        }
    }

    private async Task RunAfterSentAsync(Func<Task> afterSent)
    {
        try
        {
            await afterSent().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "WebSocket {Connection}: post-send step failed", _connectionId);
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed record Outgoing(byte[] Frame, Func<Task>? AfterSent);
}
