using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using MQTTnet;
using MQTTnet.Protocol;
using Version = CommandGrid.Mqtt.Packets.MqttProtocolVersion;

namespace CommandGrid.Fuzz;

public sealed record FuzzOptions
{
    public required string Host { get; init; }
    public required int MqttPort { get; init; }
    /// <summary>REST base address, e.g. http://127.0.0.1:5000/.</summary>
    public required Uri HttpBase { get; init; }
    /// <summary>Bearer token allowed to register things and create commands.</summary>
    public required string Token { get; init; }
    public required string DeviceSecret { get; init; }
    public int Seed { get; init; } = 1;
    public long Packets { get; init; } = 1_000_000;
    public int Connections { get; init; } = 12;
    /// <summary>One command for the valid device every this many milliseconds while the fuzzers run.</summary>
    public int CommandIntervalMilliseconds { get; init; } = 100;
    /// <summary>How long the valid device may take after the fuzzers stop to receive and answer the last commands.</summary>
    public TimeSpan SettleTimeout { get; init; } = TimeSpan.FromSeconds(30);
    public Action<string> Log { get; init; } = _ => { };
}

public sealed record FuzzReport
{
    public long PacketsSent { get; init; }
    public long BytesSent { get; init; }
    public long ConnectionsOpened { get; init; }
    public long SessionsAccepted { get; init; }
    public long ClosedByServer { get; init; }
    /// <summary>Connections where the server neither closed nor answered within 10 s of our FIN.</summary>
    public long Hangs { get; init; }
    public long CommandsCreated { get; init; }
    public long CommandsDelivered { get; init; }
    public long CommandsAnswered { get; init; }
    /// <summary>Answers the grid confirmed on response/accepted (the execution is SUCCEEDED and stored).</summary>
    public long CommandsConfirmed { get; init; }
    public long DeviceDisconnects { get; init; }
    public long CreateFailures { get; init; }
    public bool FreshConnectAccepted { get; init; }
    public TimeSpan Duration { get; init; }
    public IReadOnlyDictionary<string, long> Mutations { get; init; } = new Dictionary<string, long>();
    public IReadOnlyList<string> Problems { get; init; } = [];
}

/// <summary>
/// Drives a live grid's MQTT listener with mutated and random packets from several connections, while a
/// valid device (MQTTnet client) keeps receiving commands created over REST and answering them.
/// </summary>
public sealed class MqttFuzzer(FuzzOptions options)
{
    public const string DeviceAction = "fuzz-probe";

    private long _packets;
    private long _bytes;
    private long _connections;
    private long _sessions;
    private long _closedByServer;
    private long _hangs;
    private long _createFailures;
    private long _deviceDisconnects;
    private long _answered;
    private readonly ConcurrentDictionary<string, byte> _created = new();
    private readonly ConcurrentDictionary<string, byte> _delivered = new();
    private readonly ConcurrentDictionary<string, byte> _confirmed = new();
    private readonly ConcurrentQueue<string> _problems = new();

    public string DeviceId { get; } = $"fuzz-device-{options.Seed}";

    public long PacketsSent => Interlocked.Read(ref _packets);

    public long ConnectionsOpened => Interlocked.Read(ref _connections);

    /// <summary>Each connection's own seed: a function of the run's seed and the connection's index only.</summary>
    public static int ConnectionSeed(int seed, int index) => unchecked(seed * 1_000_003 + index * 7919 + 17);

    public static string FuzzThing(int seed, int index) => $"fuzz-{seed}-{index}";

    public async Task<FuzzReport> RunAsync(CancellationToken cancellationToken = default)
    {
        using var http = new HttpClient { BaseAddress = options.HttpBase, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", options.Token);
        await RegisterAsync(http, DeviceId);
        for (var i = 0; i < options.Connections; i++)
        {
            await RegisterAsync(http, FuzzThing(options.Seed, i));
        }

        await using var device = new ValidDevice(this, options, DeviceId);
        await device.StartAsync(cancellationToken);

        var clock = Stopwatch.StartNew();
        using var stopCommands = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var commander = CreateCommandsAsync(http, stopCommands.Token);
        var budget = options.Packets / options.Connections;
        var fuzzers = Enumerable.Range(0, options.Connections)
            .Select(i => Task.Run(() => FuzzConnectionAsync(i, budget + (i < options.Packets % options.Connections ? 1 : 0), cancellationToken), cancellationToken))
            .ToArray();
        await Task.WhenAll(fuzzers);
        await stopCommands.CancelAsync();
        await commander;
        var fuzzTime = clock.Elapsed;
        options.Log($"fuzzers done after {fuzzTime.TotalSeconds:F1} s: {PacketsSent:N0} packets, {ConnectionsOpened:N0} connections; waiting for the device to catch up");

        // Every command created during the run must reach the device and be answered.
        var settle = Stopwatch.StartNew();
        while (settle.Elapsed < options.SettleTimeout && (_delivered.Count < _created.Count || _confirmed.Count < _created.Count))
        {
            await Task.Delay(100, cancellationToken);
        }

        var fresh = await FreshConnectAsync(options, cancellationToken);
        var mutations = new Dictionary<string, long>();
        foreach (var (name, count) in _mutationTotals)
        {
            mutations[name] = count;
        }

        return new FuzzReport
        {
            PacketsSent = PacketsSent,
            BytesSent = Interlocked.Read(ref _bytes),
            ConnectionsOpened = ConnectionsOpened,
            SessionsAccepted = Interlocked.Read(ref _sessions),
            ClosedByServer = Interlocked.Read(ref _closedByServer),
            Hangs = Interlocked.Read(ref _hangs),
            CommandsCreated = _created.Count,
            CommandsDelivered = _created.Keys.Count(_delivered.ContainsKey),
            CommandsAnswered = Interlocked.Read(ref _answered),
            CommandsConfirmed = _created.Keys.Count(_confirmed.ContainsKey),
            DeviceDisconnects = Interlocked.Read(ref _deviceDisconnects),
            CreateFailures = Interlocked.Read(ref _createFailures),
            FreshConnectAccepted = fresh,
            Duration = fuzzTime,
            Mutations = mutations,
            Problems = [.. _problems],
        };
    }

    private readonly ConcurrentDictionary<string, long> _mutationTotals = new();

    private static async Task RegisterAsync(HttpClient http, string thing)
    {
        var response = await http.PutAsJsonAsync($"api/v1/things/{thing}", new { name = thing });
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"registering {thing}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    private async Task CreateCommandsAsync(HttpClient http, CancellationToken stop)
    {
        var n = 0;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var response = await http.PostAsJsonAsync("api/v1/commands", new { thingId = DeviceId, action = DeviceAction, @params = new { n = n++ }, ttl = 300 }, CancellationToken.None);
                var text = await response.Content.ReadAsStringAsync(CancellationToken.None);
                if ((int)response.StatusCode == 201)
                {
                    _created.TryAdd(JsonNode.Parse(text)!["executionId"]!.ToString(), 0);
                }
                else
                {
                    Interlocked.Increment(ref _createFailures);
                    Problem($"creating a command: {(int)response.StatusCode} {text}");
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                Interlocked.Increment(ref _createFailures);
                Problem($"creating a command: {ex.Message}");
            }

            try
            {
                await Task.Delay(options.CommandIntervalMilliseconds, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    internal void Problem(string text)
    {
        if (_problems.Count < 100)
        {
            _problems.Enqueue(text);
        }

        options.Log("problem: " + text);
    }

    internal void Delivered(string id) => _delivered.TryAdd(id, 0);

    internal void Answered() => Interlocked.Increment(ref _answered);

    internal void Confirmed(string id) => _confirmed.TryAdd(id, 0);

    internal void DeviceDisconnected() => Interlocked.Increment(ref _deviceDisconnects);

    /// <summary>
    /// One fuzzing connection slot: episodes of connect, send, close, until its packet budget is spent.
    /// Every episode is drawn from the slot's Random before anything is sent, so the packets a slot
    /// generates depend on the seed only, not on how the server reacts.
    /// </summary>
    private async Task FuzzConnectionAsync(int index, long budget, CancellationToken ct)
    {
        var rng = new Random(ConnectionSeed(options.Seed, index));
        var generator = new MqttFuzzGenerator(rng, FuzzThing(options.Seed, index), options.DeviceSecret);
        long sent = 0;
        var episode = 0;
        while (sent < budget && !ct.IsCancellationRequested)
        {
            var packets = Episode(generator, episode++);
            sent += await SendEpisodeAsync(packets, ct);
        }

        for (var i = 0; i < generator.MutationCounts.Length; i++)
        {
            _mutationTotals.AddOrUpdate(MqttFuzzGenerator.MutationNames[i], generator.MutationCounts[i], (_, v) => v + generator.MutationCounts[i]);
        }
    }

    /// <summary>The packets of one connection, first to last.</summary>
    public static List<byte[]> Episode(MqttFuzzGenerator g, int episode)
    {
        var rng = g.Random;
        var packets = new List<byte[]>();
        var roll = rng.Next(100);
        if (roll < 30)
        {
            // Garbage before CONNECT: a mutated packet (CONNECT most often), or random bytes, then maybe more.
            var count = rng.Next(1, 4);
            for (var i = 0; i < count; i++)
            {
                packets.Add(rng.Next(8) == 0 ? g.RandomBytes() : g.Mutate(rng.Next(3) != 0 ? g.Connect(PickVersion(rng), g.ClientId("m"), rng.Next(2) == 0) : g.AnyPacket(), g.AnyPacket()));
            }

            return packets;
        }

        // A valid CONNECT, then a session of valid packets with mutated ones mixed in.
        var version = PickVersion(rng);
        packets.Add(g.ValidConnect(version, $"{g.Thing}-e{episode}"));
        var length = rng.Next(10) == 0 ? rng.Next(100, 400) : rng.Next(5, 60);
        var mutationRate = rng.Next(4) switch { 0 => 0, 1 => 2, 2 => 8, _ => 25 };
        for (var i = 0; i < length; i++)
        {
            var template = rng.Next(20) == 0 ? g.AnyPacket() : g.SessionPacket(version);
            packets.Add(rng.Next(100) < mutationRate ? g.Mutate(template, g.AnyPacket()) : template.Bytes);
        }

        return packets;
    }

    private static Version PickVersion(Random rng) => rng.Next(2) == 0 ? Mqtt.Packets.MqttProtocolVersion.V311 : Mqtt.Packets.MqttProtocolVersion.V500;

    /// <summary>Sends the packets in batches until the server closes; returns how many were written.</summary>
    private async Task<long> SendEpisodeAsync(List<byte[]> packets, CancellationToken ct)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(options.Host, options.MqttPort, ct);
        }
        catch (SocketException ex)
        {
            Problem($"connect failed: {ex.SocketErrorCode}");
            await Task.Delay(200, ct);
            return 0;
        }

        Interlocked.Increment(ref _connections);
        var drain = DrainAsync(socket);
        long written = 0;
        var batch = new ArrayBufferWriter<byte>(8192);
        var inBatch = 0;
        var serverClosed = false;
        try
        {
            for (var i = 0; i < packets.Count; i++)
            {
                batch.Write(packets[i]);
                inBatch++;
                if (batch.WrittenCount >= 4096 || i == packets.Count - 1)
                {
                    await SendAllAsync(socket, batch.WrittenMemory, ct);
                    Interlocked.Add(ref _bytes, batch.WrittenCount);
                    written += inBatch;
                    batch.ResetWrittenCount();
                    inBatch = 0;
                }
            }

            // FIN: the server must now finish what it read and close; one that does not is hanging.
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
            serverClosed = true;
        }
        catch (ObjectDisposedException)
        {
            serverClosed = true;
        }

        Interlocked.Add(ref _packets, written);
        var finished = await Task.WhenAny(drain, Task.Delay(TimeSpan.FromSeconds(10), ct));
        if (finished != drain)
        {
            Interlocked.Increment(ref _hangs);
            Problem("the server neither closed nor answered within 10 s of the client's FIN");
        }
        else if (serverClosed)
        {
            Interlocked.Increment(ref _closedByServer);
        }

        socket.Close(0);
        await Task.WhenAny(drain);
        return written;
    }

    private static async Task SendAllAsync(Socket socket, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        while (!data.IsEmpty)
        {
            var n = await socket.SendAsync(data, SocketFlags.None, ct);
            data = data[n..];
        }
    }

    /// <summary>Reads (and discards) what the server sends until it closes; notes an accepting CONNACK.</summary>
    private async Task DrainAsync(Socket socket)
    {
        var buffer = new byte[16384];
        var first = true;
        try
        {
            while (true)
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.None);
                if (n == 0)
                {
                    return;
                }

                // CONNACK: 0x20, length, flags, code (0 = accepted in both versions).
                if (first && n >= 4 && buffer[0] == 0x20 && buffer[3] == 0)
                {
                    Interlocked.Increment(ref _sessions);
                }

                first = false;
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }

    /// <summary>A fresh, well-formed 3.1.1 CONNECT; true when the server accepts it with a CONNACK.</summary>
    public static async Task<bool> FreshConnectAsync(FuzzOptions options, CancellationToken ct = default)
    {
        var generator = new MqttFuzzGenerator(new Random(options.Seed), FuzzThing(options.Seed, 0), options.DeviceSecret);
        var connect = Mqtt.Codec.MqttPacketEncoder.ToArray(
            new Mqtt.Packets.MqttConnectPacket
            {
                ProtocolVersion = Mqtt.Packets.MqttProtocolVersion.V311,
                ClientId = generator.Thing + "-fresh",
                UserName = generator.Thing,
                Password = Encoding.UTF8.GetBytes(options.DeviceSecret),
                KeepAliveSeconds = 30,
            },
            Mqtt.Packets.MqttProtocolVersion.V311);
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            await socket.ConnectAsync(options.Host, options.MqttPort, timeout.Token);
            await socket.SendAsync(connect, SocketFlags.None, timeout.Token);
            var buffer = new byte[4];
            var got = 0;
            while (got < 4)
            {
                var n = await socket.ReceiveAsync(buffer.AsMemory(got), SocketFlags.None, timeout.Token);
                if (n == 0)
                {
                    return false;
                }

                got += n;
            }

            return buffer is [0x20, 0x02, _, 0x00];
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>The well-behaved device: MQTTnet 5 client, answers every request with SUCCEEDED.</summary>
    private sealed class ValidDevice(MqttFuzzer fuzzer, FuzzOptions options, string thing) : IAsyncDisposable
    {
        private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
        private readonly System.Threading.Channels.Channel<string> _answers = System.Threading.Channels.Channel.CreateUnbounded<string>();
        private readonly CancellationTokenSource _stop = new();
        private Task? _answerer;
        private Task? _reconnector;

        private string Root => $"$emqx/commands/things/{thing}/executions/";

        public async Task StartAsync(CancellationToken ct)
        {
            _client.ApplicationMessageReceivedAsync += e =>
            {
                var parts = e.ApplicationMessage.Topic.Split('/');
                // $emqx/commands/things/{thing}/executions/{id}/request | response/accepted
                if (parts.Length >= 7)
                {
                    var id = parts[5];
                    if (parts[6] == "request")
                    {
                        fuzzer.Delivered(id);
                        _answers.Writer.TryWrite(id);
                    }
                    else if (parts is [.., "response", "accepted"])
                    {
                        fuzzer.Confirmed(id);
                    }
                }

                return Task.CompletedTask;
            };
            _client.DisconnectedAsync += e =>
            {
                if (!_stop.IsCancellationRequested && e.ClientWasConnected)
                {
                    fuzzer.DeviceDisconnected();
                    fuzzer.Problem($"the valid device was disconnected: {e.Reason} {e.ReasonString} {e.Exception?.Message}");
                }

                return Task.CompletedTask;
            };
            await ConnectAsync(ct);
            _answerer = AnswerAsync();
            _reconnector = KeepConnectedAsync();
        }

        private async Task ConnectAsync(CancellationToken ct)
        {
            var connect = new MqttClientOptionsBuilder()
                .WithTcpServer(options.Host, options.MqttPort)
                .WithClientId(thing)
                .WithCredentials(thing, options.DeviceSecret)
                .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
                .WithKeepAlivePeriod(TimeSpan.FromSeconds(30))
                .WithTimeout(TimeSpan.FromSeconds(20))
                .WithCleanStart(false)
                .WithSessionExpiryInterval(600)
                .Build();
            var result = await _client.ConnectAsync(connect, ct);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                throw new InvalidOperationException($"the valid device was refused: {result.ResultCode}");
            }

            await _client.SubscribeAsync(new MqttClientFactory().CreateSubscribeOptionsBuilder()
                .WithTopicFilter(f => f.WithTopic(Root + "+/request").WithAtLeastOnceQoS())
                .WithTopicFilter(f => f.WithTopic(Root + "+/response/+").WithAtLeastOnceQoS())
                .Build(), ct);
        }

        /// <summary>Reconnects (resuming the session) if the fuzz ever knocks the device off; each time is counted.</summary>
        private async Task KeepConnectedAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(500, _stop.Token);
                    if (!_client.IsConnected)
                    {
                        await ConnectAsync(_stop.Token);
                    }
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                catch (Exception ex)
                {
                    fuzzer.Problem($"reconnecting the valid device: {ex.Message}");
                }
            }
        }

        private async Task AnswerAsync()
        {
            try
            {
                await foreach (var id in _answers.Reader.ReadAllAsync(_stop.Token))
                {
                    var message = new MqttApplicationMessageBuilder()
                        .WithTopic($"{Root}{id}/response")
                        .WithPayload("{\"status\":\"SUCCEEDED\",\"result\":{\"fuzz\":true}}")
                        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                        .Build();
                    for (var attempt = 0; ; attempt++)
                    {
                        try
                        {
                            await _client.PublishAsync(message, _stop.Token);
                            fuzzer.Answered();
                            break;
                        }
                        catch (Exception ex) when (ex is not OperationCanceledException && attempt < 20)
                        {
                            await Task.Delay(250, _stop.Token);
                        }
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
            catch (Exception ex)
            {
                fuzzer.Problem($"the valid device could not answer: {ex.Message}");
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            if (_answerer is not null)
            {
                await _answerer;
            }

            if (_reconnector is not null)
            {
                await _reconnector;
            }

            try
            {
                await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build());
            }
            catch (Exception)
            {
                // Already gone.
            }

            _client.Dispose();
            _stop.Dispose();
        }
    }
}
