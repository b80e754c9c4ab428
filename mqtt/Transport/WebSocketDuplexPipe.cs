using System.Buffers;
using System.IO.Pipelines;
using System.Net.WebSockets;

namespace CommandGrid.Mqtt.Transport;

/// <summary>
/// Presents a WebSocket as the byte stream MQTT expects. MQTT over WebSocket carries the packet stream
/// in binary frames with no alignment between frames and packets, so frames are simply concatenated
/// on the way in, and each batch of output becomes one binary message on the way out.
/// </summary>
internal sealed class WebSocketDuplexPipe : IDuplexPipe
{
    private readonly WebSocket _socket;
    private readonly Pipe _input = new();
    private readonly Pipe _output = new();

    public WebSocketDuplexPipe(WebSocket socket) => _socket = socket;

    /// <summary>What the client sent, for the engine to read.</summary>
    public PipeReader Input => _input.Reader;

    /// <summary>What the engine sends, for the client.</summary>
    public PipeWriter Output => _output.Writer;

    /// <summary>Pumps both directions until the engine completes its output or the client goes away.</summary>
    public async Task RunAsync(Task engine, CancellationToken cancellationToken)
    {
        using var receiveCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var receiving = ReceiveAsync(receiveCts.Token);
        var sending = SendAsync(cancellationToken);
        await engine;
        await sending;
        // The engine is done: stop waiting for frames from a client that has not closed its side.
        await receiveCts.CancelAsync();
        await receiving;
    }

    private async Task ReceiveAsync(CancellationToken cancellationToken)
    {
        var writer = _input.Writer;
        try
        {
            while (true)
            {
                var memory = writer.GetMemory(4096);
                var result = await _socket.ReceiveAsync(memory, cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                if (result.MessageType == WebSocketMessageType.Text)
                {
                    // MQTT over WebSocket is binary only; a text frame means this is not an MQTT client.
                    await _socket.CloseOutputAsync(WebSocketCloseStatus.InvalidMessageType, "MQTT needs binary frames", CancellationToken.None);
                    break;
                }

                writer.Advance(result.Count);
                var flush = await writer.FlushAsync(cancellationToken);
                if (flush.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException)
        {
            // The client vanished or the engine finished; either way the input ends here.
        }
        finally
        {
            await writer.CompleteAsync();
        }
    }

    private async Task SendAsync(CancellationToken cancellationToken)
    {
        var reader = _output.Reader;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(cancellationToken);
                var buffer = result.Buffer;
                if (!buffer.IsEmpty)
                {
                    // One message per batch; a batch spanning buffer segments is rare enough to copy.
                    var message = buffer.IsSingleSegment ? buffer.First : buffer.ToArray();
                    await _socket.SendAsync(message, WebSocketMessageType.Binary, endOfMessage: true, cancellationToken);
                }

                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }

            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException)
        {
            // The client is gone; nothing more can be sent.
        }
        finally
        {
            await reader.CompleteAsync();
        }
    }
}
