using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Channels;
using CommandGrid.Runtime.Messaging;
using Microsoft.Extensions.Logging;

namespace CommandGrid.Runtime.Cluster;

/// <summary>
/// One TCP connection between two members, usable in both directions: either side sends
/// requests and answers the other's. Reading and writing go through System.IO.Pipelines;
/// outgoing frames wait in a bounded queue, so a slow peer slows its senders down instead
/// of growing memory. When the connection drops, every call waiting on it fails at once.
/// </summary>
internal sealed class ClusterConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly Channel<byte[]> _outbound;
    private readonly ConcurrentDictionary<long, TaskCompletionSource<GrainResponse>> _pending = new();
    private readonly Func<ClusterConnection, GrainRequest, Task<GrainResponse>> _handler;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<string> _hello = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _nextId;
    private int _closing;

    public ClusterConnection(Socket socket, int queueCapacity, Func<ClusterConnection, GrainRequest, Task<GrainResponse>> handler, ILogger logger)
    {
        _socket = socket;
        _socket.NoDelay = true;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _outbound = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(queueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _handler = handler;
        _logger = logger;
    }

    /// <summary>The member at the other end, once its hello arrived (or as dialled).</summary>
    public string RemoteMemberId { get; set; } = "?";

    /// <summary>Completes with the peer's member id when its hello frame arrives.</summary>
    public Task<string> Hello => _hello.Task;

    public Task Closed => _closed.Task;

    public bool IsOpen => Volatile.Read(ref _closing) == 0;

    public void Start()
    {
        _ = Task.Run(ReadLoopAsync);
        _ = Task.Run(WriteLoopAsync);
    }

    public ValueTask SendHelloAsync(string memberId, CancellationToken cancellationToken) =>
        _outbound.Writer.WriteAsync(FrameCodec.Hello(memberId), cancellationToken);

    public async Task<GrainResponse> SendRequestAsync(GrainRequest request, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _nextId);
        var completion = new TaskCompletionSource<GrainResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = completion;
        try
        {
            if (!IsOpen)
            {
                throw new ConnectFailedException($"The connection to {RemoteMemberId} is closed.");
            }
            try
            {
                await _outbound.Writer.WriteAsync(FrameCodec.Request(FrameKind.Request, id, request), cancellationToken).ConfigureAwait(false);
            }
            catch (ChannelClosedException)
            {
                // Queued nothing: the call never left this process, so it is safe to retry elsewhere.
                throw new ConnectFailedException($"The connection to {RemoteMemberId} closed before the call was sent.");
            }
            return await completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    public async Task SendOneWayAsync(GrainRequest request, CancellationToken cancellationToken)
    {
        try
        {
            await _outbound.Writer.WriteAsync(FrameCodec.Request(FrameKind.OneWay, 0, request), cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            throw new ConnectFailedException($"The connection to {RemoteMemberId} is closed.");
        }
    }

    /// <summary>Drops the connection abruptly; pending calls fail with <see cref="SiloUnavailableException"/>.</summary>
    public void Abort(string reason)
    {
        if (Interlocked.Exchange(ref _closing, 1) == 1)
        {
            return;
        }
        _logger.LogInformation("Connection to {Member} closed: {Reason}", RemoteMemberId, reason);
        _outbound.Writer.TryComplete();
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception)
        {
            // Already gone: that is what we wanted.
        }
        _stream.Dispose();
        foreach (var (id, pending) in _pending)
        {
            if (_pending.TryRemove(id, out _))
            {
                pending.TrySetResult(GrainResponse.Failure(new SiloUnavailableException(
                    $"The connection to {RemoteMemberId} was lost while the call was in flight ({reason}).")));
            }
        }
        _hello.TrySetException(new ConnectFailedException($"The connection closed before a hello ({reason})."));
        _closed.TrySetResult();
    }

    public ValueTask DisposeAsync()
    {
        Abort("disposed");
        return ValueTask.CompletedTask;
    }

    private async Task ReadLoopAsync()
    {
        var reader = PipeReader.Create(_stream);
        try
        {
            while (true)
            {
                var read = await reader.ReadAsync().ConfigureAwait(false);
                var buffer = read.Buffer;
                while (FrameCodec.TryRead(ref buffer, out var kind, out var id, out var body))
                {
                    Dispatch(kind, id, body);
                }
                reader.AdvanceTo(buffer.Start, buffer.End);
                if (read.IsCompleted)
                {
                    break;
                }
            }
            Abort("closed by the peer");
        }
        catch (Exception e)
        {
            Abort(e is IOException or ObjectDisposedException or SocketException ? "connection lost" : e.Message);
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    private void Dispatch(FrameKind kind, long id, byte[] body)
    {
        switch (kind)
        {
            case FrameKind.Hello:
                RemoteMemberId = FrameCodec.ReadHello(body);
                _hello.TrySetResult(RemoteMemberId);
                break;
            case FrameKind.Response:
                if (_pending.TryRemove(id, out var pending))
                {
                    pending.TrySetResult(FrameCodec.ReadResponse(body));
                }
                break;
            case FrameKind.Request:
                _ = AnswerAsync(id, FrameCodec.ReadRequest(body));
                break;
            case FrameKind.OneWay:
                _ = RunOneWayAsync(FrameCodec.ReadRequest(body));
                break;
            default:
                throw new InvalidDataException($"Unknown frame kind {kind}.");
        }
    }

    private async Task AnswerAsync(long id, GrainRequest request)
    {
        GrainResponse response;
        try
        {
            response = await _handler(this, request).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            response = GrainResponse.Failure(e);
        }
        try
        {
            await _outbound.Writer.WriteAsync(FrameCodec.Response(id, response)).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            // The caller is gone with the connection and has been told so on its side.
        }
    }

    private async Task RunOneWayAsync(GrainRequest request)
    {
        try
        {
            var response = await _handler(this, request).ConfigureAwait(false);
            if (response.Error is { } error)
            {
                _logger.LogDebug("One-way {Method} to {Target} failed: {Error}", request.Method, request.Target, error.Message);
            }
        }
        catch (Exception e)
        {
            _logger.LogDebug(e, "One-way {Method} to {Target} failed", request.Method, request.Target);
        }
    }

    private async Task WriteLoopAsync()
    {
        var writer = PipeWriter.Create(_stream);
        try
        {
            while (await _outbound.Reader.WaitToReadAsync().ConfigureAwait(false))
            {
                // Drain what is queued, then flush once: many small frames share one send.
                while (_outbound.Reader.TryRead(out var frame))
                {
                    writer.Write(frame);
                }
                var flush = await writer.FlushAsync().ConfigureAwait(false);
                if (flush.IsCompleted || flush.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (Exception e)
        {
            Abort(e is IOException or ObjectDisposedException or SocketException ? "connection lost" : e.Message);
        }
        finally
        {
            try
            {
                await writer.CompleteAsync().ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The stream is already closed.
            }
        }
    }
}
