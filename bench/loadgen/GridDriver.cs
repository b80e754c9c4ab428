using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using MQTTnet;

namespace Loadgen;

/// <summary>
/// CommandGrid's P1 lifecycle: POST /api/v1/commands (stored PENDING) → the grid publishes .../request (QoS 1) →
/// the device answers SUCCEEDED on .../response (QoS 1) → the grid stores SUCCEEDED and then publishes
/// .../response/accepted. A pair ends when the device has that reply AND the POST has returned (the reply can
/// outrun the 201), so it ends only once SUCCEEDED is durably stored and the creator knows the execution id.
/// </summary>
public sealed class GridDriver(Options o) : Driver(o)
{
    private static readonly object AcceptedOk = new();
    private static readonly object AcceptedRejected = new();
    private static readonly byte[] Answer = Encoding.UTF8.GetBytes("{\"status\":\"SUCCEEDED\",\"result\":{}}");
    private readonly ConcurrentDictionary<string, object> _rendezvous = new();
    private readonly List<IMqttClient> _devices = [];
    private HttpClient _http = null!;

    private sealed record Pair(int Slot, long Start);

    public override async Task SetupAsync()
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = O.Int("http-connections", 256),
            UseProxy = false,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10),
        };
        _http = new HttpClient(handler) { BaseAddress = new Uri($"http://{O.Str("host", "127.0.0.1")}:{O.Int("http-port")}"), Timeout = TimeSpan.FromSeconds(60) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Jwt.AllPermissions(O.Str("jwt-secret")));
        await Mqtt.ForAllAsync(DeviceCount, 16, async i =>
        {
            using var body = new StringContent($"{{\"name\":\"{Thing(i)}\"}}", Encoding.UTF8, "application/json");
            using var r = await _http.PutAsync($"/api/v1/things/{Thing(i)}", body);
            r.EnsureSuccessStatusCode();
        });
        var clients = new IMqttClient[DeviceCount];
        await Mqtt.ForAllAsync(DeviceCount, 16, async i =>
        {
            var thing = Thing(i);
            IMqttClient? c = null;
            c = await Mqtt.ConnectAsync(O.Str("host", "127.0.0.1"), O.Int("mqtt-port"), thing, thing, O.Str("device-secret"),
                e => OnDeviceMessage(c!, thing, e));
            await Mqtt.SubscribeAsync(c, [$"{Mqtt.Root}{thing}/executions/+/request", $"{Mqtt.Root}{thing}/executions/+/response/+"]);
            clients[i] = c;
        });
        _devices.AddRange(clients);
    }

    private Task OnDeviceMessage(IMqttClient c, string thing, MqttApplicationMessageReceivedEventArgs e)
    {
        var parts = e.ApplicationMessage.Topic.Split('/');
        var id = parts[5];
        if (parts.Length == 7 && parts[6] == "request")
        {
            _ = c.PublishAsync(Mqtt.Message($"{Mqtt.Root}{thing}/executions/{id}/response", Answer)).ContinueWith(
                t => Console.Error.WriteLine($"device publish failed: {t.Exception?.GetBaseException().Message}"), TaskContinuationOptions.OnlyOnFaulted);
        }
        else if (parts.Length == 8)
        {
            Meet(id, parts[7] == "accepted" ? AcceptedOk : AcceptedRejected);
        }
        return Task.CompletedTask;
    }

    /// <summary>Whichever of (201 from the POST, reply to the device) comes second ends the pair.</summary>
    private void Meet(string id, object mine)
    {
        if (_rendezvous.TryRemove(id, out var other) || !_rendezvous.TryAdd(id, mine) && _rendezvous.TryRemove(id, out other))
        {
            var pair = (mine as Pair ?? other as Pair)!;
            var reply = mine is Pair ? other : mine;
            if (reply == AcceptedOk) Completed(pair.Slot, pair.Start);
            else Failed(pair.Slot, $"execution {id} rejected");
        }
    }

    protected override void Send(int device, int slot, long start) => _ = SendAsync(device, slot, start);

    private async Task SendAsync(int device, int slot, long start)
    {
        try
        {
            using var body = new StringContent($"{{\"thingId\":\"{Thing(device)}\",\"action\":\"bench\",\"params\":{{}},\"ttl\":60}}", Encoding.UTF8, "application/json");
            using var r = await _http.PostAsync("/api/v1/commands", body);
            var bytes = await r.Content.ReadAsByteArrayAsync();
            if (!r.IsSuccessStatusCode)
            {
                Failed(slot, $"POST {(int)r.StatusCode} {Encoding.UTF8.GetString(bytes)}");
                return;
            }
            using var doc = JsonDocument.Parse(bytes);
            Meet(doc.RootElement.GetProperty("executionId").GetString()!, new Pair(slot, start));
        }
        catch (Exception ex)
        {
            if (!Stopped) Failed(slot, $"POST: {ex.GetBaseException().Message}");
        }
    }

    public override async Task DisposeAsync()
    {
        Stop();
        await Task.WhenAll(_devices.Select(d => d.DisconnectAsync()));
        _http.Dispose();
    }
}
