using System.Collections.Concurrent;
using System.Text;
using MQTTnet;

namespace Loadgen;

/// <summary>
/// The same message pattern through a plain broker (mosquitto, MQTTnet server): a creator client publishes
/// .../request (QoS 1) → the device answers SUCCEEDED on .../response (QoS 1) → the creator receives it and
/// publishes .../response/accepted (QoS 1) → the pair ends when the device receives that reply. Nothing is stored.
/// One creator client per <c>devices-per-creator</c> devices; each subscribes to its own devices' response topics.
/// </summary>
public sealed class RelayDriver(Options o) : Driver(o)
{
    private static readonly byte[] Answer = Encoding.UTF8.GetBytes("{\"status\":\"SUCCEEDED\",\"result\":{}}");
    private readonly ConcurrentDictionary<long, Pair> _pending = new();
    private readonly List<IMqttClient> _clients = [];
    private IMqttClient[] _creators = [];
    private long _nextId;

    private sealed record Pair(int Slot, long Start);

    public override async Task SetupAsync()
    {
        var host = O.Str("host", "127.0.0.1");
        var port = O.Int("mqtt-port");
        var perCreator = O.Int("devices-per-creator", 50);
        var creators = new IMqttClient[Math.Max(1, (DeviceCount + perCreator - 1) / perCreator)];
        for (var c = 0; c < creators.Length; c++)
        {
            IMqttClient? client = null;
            client = await Mqtt.ConnectAsync(host, port, $"{O.Str("prefix")}-creator-{O.Str("worker-index")}-{c}", null, null, e => OnCreatorMessage(client!, e));
            var mine = Enumerable.Range(0, DeviceCount).Where(i => i % creators.Length == c).Select(i => $"{Mqtt.Root}{Thing(i)}/executions/+/response").ToList();
            foreach (var batch in mine.Chunk(50)) await Mqtt.SubscribeAsync(client, batch);
            creators[c] = client;
        }
        _creators = creators;
        var devices = new IMqttClient[DeviceCount];
        await Mqtt.ForAllAsync(DeviceCount, 16, async i =>
        {
            var thing = Thing(i);
            IMqttClient? c = null;
            c = await Mqtt.ConnectAsync(host, port, thing, null, null, e => OnDeviceMessage(c!, thing, e));
            await Mqtt.SubscribeAsync(c, [$"{Mqtt.Root}{thing}/executions/+/request", $"{Mqtt.Root}{thing}/executions/+/response/+"]);
            devices[i] = c;
        });
        _clients.AddRange(creators);
        _clients.AddRange(devices);
    }

    protected override void Send(int device, int slot, long start)
    {
        var id = Interlocked.Increment(ref _nextId);
        _pending[id] = new Pair(slot, start);
        var payload = Encoding.UTF8.GetBytes($"{{\"commandId\":\"{id}\",\"action\":\"bench\",\"params\":{{}},\"timestamp\":{DateTimeOffset.UtcNow.ToUnixTimeSeconds()},\"ttl\":60}}");
        _ = _creators[device % _creators.Length].PublishAsync(Mqtt.Message($"{Mqtt.Root}{Thing(device)}/executions/{id}/request", payload)).ContinueWith(t =>
        {
            if (_pending.TryRemove(id, out var p) && !Stopped) Failed(p.Slot, $"request publish: {t.Exception?.GetBaseException().Message}");
        }, TaskContinuationOptions.OnlyOnFaulted);
    }

    private Task OnCreatorMessage(IMqttClient creator, MqttApplicationMessageReceivedEventArgs e)
    {
        // .../things/{thing}/executions/{id}/response → the "accepted" reply, as the grid would send after storing SUCCEEDED.
        var topic = e.ApplicationMessage.Topic;
        var parts = topic.Split('/');
        var payload = Encoding.UTF8.GetBytes($"{{\"executionId\":\"{parts[5]}\",\"status\":\"SUCCEEDED\",\"updatedAt\":{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}}}");
        _ = creator.PublishAsync(Mqtt.Message(topic + "/accepted", payload)).ContinueWith(
            t => Console.Error.WriteLine($"accepted publish failed: {t.Exception?.GetBaseException().Message}"), TaskContinuationOptions.OnlyOnFaulted);
        return Task.CompletedTask;
    }

    private Task OnDeviceMessage(IMqttClient c, string thing, MqttApplicationMessageReceivedEventArgs e)
    {
        var parts = e.ApplicationMessage.Topic.Split('/');
        if (parts.Length == 7 && parts[6] == "request")
        {
            _ = c.PublishAsync(Mqtt.Message($"{Mqtt.Root}{thing}/executions/{parts[5]}/response", Answer)).ContinueWith(
                t => Console.Error.WriteLine($"device publish failed: {t.Exception?.GetBaseException().Message}"), TaskContinuationOptions.OnlyOnFaulted);
        }
        else if (parts.Length == 8 && long.TryParse(parts[5], out var id) && _pending.TryRemove(id, out var p))
        {
            Completed(p.Slot, p.Start);
        }
        return Task.CompletedTask;
    }

    public override async Task DisposeAsync()
    {
        Stop();
        await Task.WhenAll(_clients.Select(d => d.DisconnectAsync()));
    }
}
