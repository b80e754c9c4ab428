using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using MQTTnet;

namespace Loadgen;

/// <summary>
/// A fleet job through the real door: registers <c>things</c> things in one network, a dynamic thing group over that
/// network, connects MQTT devices for the first <c>devices</c> of them (they answer SUCCEEDED), creates one job to the
/// group and reads <c>GET /api/v1/jobs/{id}</c> every <c>poll-ms</c> until the job is final. Reports how fast the job
/// created its executions (POST → every targeted thing's execution stored, and the best second), when it ended, its
/// counts against the ones expected (devices SUCCEEDED, the rest TIMED_OUT) and the grid's CPU meanwhile.
/// </summary>
public static class Job
{
    private static readonly byte[] Answer = Encoding.UTF8.GetBytes("{\"status\":\"SUCCEEDED\",\"result\":{}}");

    private sealed record Sample(double Seconds, long Created, string Status, JsonObject Counts);

    public static async Task<int> RunAsync(Options o)
    {
        var pid = o.Int("target-pid");
        var things = o.Int("things", 100_000);
        var devices = o.Int("devices", 0);
        var ttl = o.Int("ttl", 60);
        var prefix = o.Str("prefix", "job");
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64, UseProxy = false })
        {
            BaseAddress = new Uri($"http://{o.Str("host", "127.0.0.1")}:{o.Int("http-port")}"),
            Timeout = TimeSpan.FromSeconds(120),
        };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Jwt.AllPermissions(o.Str("jwt-secret")));
        string Thing(int i) => $"{prefix}-{i}";
        // Networks are numbers (DeviceHive's ids): one of this run's own.
        var network = o.Int("network", (int)(DateTimeOffset.UtcNow.ToUnixTimeSeconds() % 1_000_000_000));

        var registering = Stopwatch.StartNew();
        await Mqtt.ForAllAsync(things, o.Int("parallel", 32), async i =>
        {
            using var body = Json($"{{\"networkId\":{network}}}");
            (await http.PutAsync($"/api/v1/things/{Thing(i)}", body)).EnsureSuccessStatusCode();
        });
        var registerSeconds = registering.Elapsed.TotalSeconds;
        using (var group = Json($"{{\"description\":\"bench\",\"query\":{{\"networkId\":{network}}}}}"))
        {
            (await http.PutAsync($"/api/v1/thing-groups/{prefix}", group)).EnsureSuccessStatusCode();
        }
        Console.Error.WriteLine($"registered {things} things in {registerSeconds:F1} s");

        var clients = new ConcurrentBag<IMqttClient>();
        long answered = 0;
        await Mqtt.ForAllAsync(devices, 16, async i =>
        {
            var thing = Thing(i);
            IMqttClient? c = null;
            c = await Mqtt.ConnectAsync(o.Str("host", "127.0.0.1"), o.Int("mqtt-port"), thing, thing, o.Str("device-secret"), e =>
            {
                var parts = e.ApplicationMessage.Topic.Split('/');
                if (parts.Length == 7 && parts[6] == "request")
                {
                    Interlocked.Increment(ref answered);
                    _ = c!.PublishAsync(Mqtt.Message($"{Mqtt.Root}{thing}/executions/{parts[5]}/response", Answer));
                }
                return Task.CompletedTask;
            });
            await Mqtt.SubscribeAsync(c, [$"{Mqtt.Root}{thing}/executions/+/request"]);
            clients.Add(c);
        });
        if (devices > 0) Console.Error.WriteLine($"connected {devices} devices");

        var cpu0 = Proc.CpuSeconds(pid);
        var rss0 = Proc.RssBytes(pid);
        var rollout = o.Has("max-per-minute") ? $",\"rollout\":{{\"maxPerMinute\":{o.Int("max-per-minute")}}}" : "";
        var clock = Stopwatch.StartNew();
        using (var job = Json($"{{\"jobId\":\"{prefix}\",\"action\":\"bench\",\"params\":{{}},\"ttl\":{ttl},\"targets\":{{\"groups\":[\"{prefix}\"]}}{rollout}}}"))
        using (var created = await http.PostAsync("/api/v1/jobs", job))
        {
            if (!created.IsSuccessStatusCode) throw new InvalidOperationException($"POST /jobs {(int)created.StatusCode}: {await created.Content.ReadAsStringAsync()}");
        }
        var answeredAt = clock.Elapsed.TotalSeconds;

        var samples = new List<Sample>();
        var deadline = TimeSpan.FromSeconds(o.Dbl("max-wait", ttl + 600));
        double? allCreatedAt = null;
        double? cpuAllCreated = null;
        long targeted = 0;
        JsonObject record;
        while (true)
        {
            record = JsonNode.Parse(await http.GetStringAsync($"/api/v1/jobs/{prefix}"))!.AsObject();
            var sample = new Sample(clock.Elapsed.TotalSeconds, record["created"]!.GetValue<long>(), record["status"]!.GetValue<string>(), record["counts"]!.AsObject());
            samples.Add(sample);
            targeted = record["targeted"]!.GetValue<long>();
            if (allCreatedAt is null && targeted > 0 && sample.Created >= targeted)
            {
                allCreatedAt = sample.Seconds;
                cpuAllCreated = Proc.CpuSeconds(pid);
                Console.Error.WriteLine($"all {targeted} executions created {sample.Seconds:F1} s after the POST");
            }
            if (sample.Status is "COMPLETED" or "CANCELED" or "ABORTED" || clock.Elapsed > deadline) break;
            await Task.Delay(o.Int("poll-ms", 200));
        }
        var endedAt = clock.Elapsed.TotalSeconds;
        var cpu1 = Proc.CpuSeconds(pid);
        await Task.WhenAll(clients.Select(c => c.DisconnectAsync()));

        // The best second of creation: the largest rise of `created` over any 1 s span of the samples.
        double best = 0;
        for (int a = 0, b = 0; b < samples.Count; b++)
        {
            while (samples[b].Seconds - samples[a].Seconds > 1.0) a++;
            var span = samples[b].Seconds - samples[a].Seconds;
            if (span >= 0.5) best = Math.Max(best, (samples[b].Created - samples[a].Created) / span);
        }
        var expected = new SortedDictionary<string, long>(StringComparer.Ordinal);
        if (devices > 0) expected["SUCCEEDED"] = devices;
        if (things > devices) expected["TIMED_OUT"] = things - devices;
        var counts = record["counts"]!.AsObject();
        var exact = counts.Count == expected.Count && expected.All(e => counts[e.Key]?.GetValue<long>() == e.Value);
        var json = new JsonObject
        {
            ["kind"] = "job",
            ["things"] = things,
            ["devices"] = devices,
            ["ttl"] = ttl,
            ["maxPerMinute"] = o.Has("max-per-minute") ? o.Int("max-per-minute") : null,
            ["registerSeconds"] = Math.Round(registerSeconds, 1),
            ["postAnsweredSeconds"] = Math.Round(answeredAt, 3),
            ["allCreatedSeconds"] = allCreatedAt is { } t ? Math.Round(t, 2) : null,
            ["createsPerSecond"] = allCreatedAt is { } t2 ? Math.Round(targeted / t2, 0) : null,
            ["bestSecondCreates"] = Math.Round(best, 0),
            ["gridCpuSecondsCreating"] = cpuAllCreated is { } c2 ? Math.Round(c2 - cpu0, 1) : null,
            ["endedSeconds"] = Math.Round(endedAt, 1),
            ["gridCpuSecondsToEnd"] = Math.Round(cpu1 - cpu0, 1),
            ["status"] = record["status"]!.GetValue<string>(),
            ["targeted"] = targeted,
            ["counts"] = counts.DeepClone(),
            ["expectedCounts"] = new JsonObject([.. expected.Select(e => KeyValuePair.Create(e.Key, (JsonNode?)e.Value))]),
            ["countsExact"] = exact,
            ["devicesAnswered"] = Interlocked.Read(ref answered),
            ["gridRssBeforeMB"] = Math.Round(rss0 / 1048576.0, 0),
            ["gridRssEndMB"] = Math.Round(Proc.RssBytes(pid) / 1048576.0, 0),
            ["loadavg"] = Proc.LoadAverage(),
        };
        var text = json.ToJsonString();
        if (o.Has("out")) File.WriteAllText(o.Str("out"), text);
        Console.WriteLine(text);
        return record["status"]!.GetValue<string>() == "COMPLETED" && exact ? 0 : 1;
    }

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");
}
