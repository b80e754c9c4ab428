using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using CommandGrid.Mqtt.Codec;
using CommandGrid.Mqtt.Packets;
using Xunit;

namespace CommandGrid.Tests.Mqtt.Infrastructure;

/// <summary>
/// A bare TCP client for driving the server with exact bytes, including bytes no real client would send.
/// Reads packets back with the project's own decoder in client mode.
/// </summary>
public sealed class RawMqttClient : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly PipeReader _reader;
    private readonly MqttPacketDecoder _decoder = new();

    private RawMqttClient(TcpClient tcp, MqttProtocolVersion version)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        _reader = PipeReader.Create(_stream);
        Version = version;
        _decoder.ProtocolVersion = version;
    }

    public MqttProtocolVersion Version { get; }

    public static async Task<RawMqttClient> OpenAsync(int port, MqttProtocolVersion version = MqttProtocolVersion.V500, CancellationToken cancellationToken = default)
    {
        var tcp = new TcpClient { NoDelay = true };
        try
        {
            await tcp.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
        return new RawMqttClient(tcp, version);
    }

    /// <summary>Opens a connection and completes an accepted CONNECT for <paramref name="clientId"/>.</summary>
    public static async Task<RawMqttClient> ConnectAsync(
        int port,
        string clientId,
        MqttProtocolVersion version = MqttProtocolVersion.V500,
        bool cleanStart = true,
        ushort keepAlive = 60,
        MqttProperties? properties = null)
    {
        var client = await OpenAsync(port, version);
        var connAck = await client.ConnectRawAsync(clientId, cleanStart, keepAlive, properties);
        Assert.Equal(MqttReasonCode.Success, connAck.ReasonCode);
        return client;
    }

    public async Task<MqttConnAckPacket> ConnectRawAsync(string clientId, bool cleanStart = true, ushort keepAlive = 60, MqttProperties? properties = null, string password = TestMqttApplication.Password)
    {
        await SendAsync(new MqttConnectPacket
        {
            ProtocolVersion = Version,
            ClientId = clientId,
            CleanStart = cleanStart,
            KeepAliveSeconds = keepAlive,
            UserName = clientId,
            Password = Encoding.UTF8.GetBytes(password),
            Properties = properties ?? MqttProperties.Empty,
        });
        return Assert.IsType<MqttConnAckPacket>(await ReceiveAsync());
    }

    public Task SendAsync(MqttPacket packet) => SendAsync(MqttPacketEncoder.ToArray(packet, Version));

    public async Task SendAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    public static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    /// <summary>The next packet, or null when the server closed the connection first.</summary>
    public async Task<MqttPacket?> ReceiveOrCloseAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout ?? TestTimeouts.Default);
        while (true)
        {
            ReadResult result;
            try
            {
                result = await _reader.ReadAsync(cts.Token);
            }
            catch (IOException)
            {
                return null;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException("No packet and no close from the server in time.");
            }

            var buffer = result.Buffer;
            if (_decoder.TryDecode(ref buffer, out var packet))
            {
                _reader.AdvanceTo(buffer.Start);
                return packet;
            }

            _reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                return null;
            }
        }
    }

    public async Task<MqttPacket> ReceiveAsync(TimeSpan? timeout = null) =>
        await ReceiveOrCloseAsync(timeout) ?? throw new InvalidOperationException("The server closed the connection.");

    public async Task<T> ReceiveAsync<T>(TimeSpan? timeout = null) where T : MqttPacket =>
        Assert.IsType<T>(await ReceiveAsync(timeout));

    /// <summary>Reads until the server closes; returns what arrived before the close (e.g. a DISCONNECT).</summary>
    public async Task<IReadOnlyList<MqttPacket>> ReadUntilClosedAsync(TimeSpan? timeout = null)
    {
        var packets = new List<MqttPacket>();
        while (await ReceiveOrCloseAsync(timeout) is { } packet)
        {
            packets.Add(packet);
        }

        return packets;
    }

    /// <summary>Proves the connection is alive and in order: PINGREQ gets PINGRESP.</summary>
    public async Task PingAsync()
    {
        await SendAsync(MqttPingReqPacket.Instance);
        await ReceiveAsync<MqttPingRespPacket>();
    }

    public async Task<MqttSubAckPacket> SubscribeAsync(ushort packetId, string filter, MqttQualityOfService qos = MqttQualityOfService.AtLeastOnce)
    {
        await SendAsync(new MqttSubscribePacket { PacketId = packetId, Subscriptions = [new MqttSubscription(filter, qos)] });
        return await ReceiveAsync<MqttSubAckPacket>();
    }

    public async ValueTask DisposeAsync()
    {
        await _reader.CompleteAsync();
        _tcp.Dispose();
    }
}
