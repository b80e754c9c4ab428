using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Loadgen;

/// <summary>
/// P4: create N commands with TTLs spread evenly over [min, max] seconds for things with no device connected,
/// wait past the last expiry, then read each execution: lateness = history TIMED_OUT "at" − "expiresAt".
/// </summary>
public static class Ttl
{
    public static async Task<int> RunAsync(Options o)
    {
        var pid = o.Int("target-pid");
        var count = o.Int("count", 10000);
        int min = o.Int("min-ttl", 20), max = o.Int("max-ttl", 40);
        var prefix = o.Str("prefix", "ttl");
        var things = o.Int("things", 100);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64, UseProxy = false })
        {
            BaseAddress = new Uri($"http://{o.Str("host", "127.0.0.1")}:{o.Int("http-port")}"),
            Timeout = TimeSpan.FromSeconds(60),
        };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Jwt.AllPermissions(o.Str("jwt-secret")));
        await Mqtt.ForAllAsync(things, 16, async i =>
        {
            using var body = new StringContent("{}", Encoding.UTF8, "application/json");
            (await http.PutAsync($"/api/v1/things/{prefix}-{i}", body)).EnsureSuccessStatusCode();
        });
        var ids = new string[count];
        var expires = new DateTimeOffset[count];
        var rss0 = Proc.RssBytes(pid);
        var created = Stopwatch.StartNew();
        await Mqtt.ForAllAsync(count, o.Int("parallel", 32), async i =>
        {
            var ttl = min + i % (max - min + 1);
            using var body = new StringContent($"{{\"thingId\":\"{prefix}-{i % things}\",\"action\":\"ttl\",\"ttl\":{ttl}}}", Encoding.UTF8, "application/json");
            using var r = await http.PostAsync("/api/v1/commands", body);
            var node = JsonNode.Parse(await r.Content.ReadAsStringAsync())!;
            if (!r.IsSuccessStatusCode) throw new InvalidOperationException($"POST {(int)r.StatusCode}: {node.ToJsonString()}");
            ids[i] = node["executionId"]!.GetValue<string>();
            expires[i] = DateTimeOffset.Parse(node["expiresAt"]!.GetValue<string>(), CultureInfo.InvariantCulture);
        });
        var createSeconds = created.Elapsed.TotalSeconds;
        var rssPending = Proc.RssBytes(pid);
        var cpu0 = Proc.CpuSeconds(pid);
        var last = expires.Max();
        var grace = TimeSpan.FromSeconds(o.Dbl("grace", 15));
        var wait = last + grace - DateTimeOffset.UtcNow;
        Console.Error.WriteLine($"created {count} in {createSeconds:F1} s; waiting {wait.TotalSeconds:F0} s for the last expiry + {grace.TotalSeconds} s");
        if (wait > TimeSpan.Zero) await Task.Delay(wait);
        var cpu1 = Proc.CpuSeconds(pid);
        var lateness = new ConcurrentDictionary<int, double>();
        var other = new ConcurrentDictionary<int, string>();
        var todo = Enumerable.Range(0, count).ToArray();
        var deadline = DateTimeOffset.UtcNow.AddSeconds(o.Dbl("max-extra-wait", 60));
        while (true)
        {
            var notFinal = new ConcurrentBag<int>();
            await Mqtt.ForAllAsync(todo.Length, 32, async j =>
            {
                var i = todo[j];
                var node = JsonNode.Parse(await http.GetStringAsync($"/api/v1/commands/{ids[i]}"))!;
                var status = node["status"]!.GetValue<string>();
                if (status == "TIMED_OUT")
                {
                    var at = node["history"]!.AsArray().First(h => h!["status"]!.GetValue<string>() == "TIMED_OUT")!["at"]!.GetValue<string>();
                    lateness[i] = (DateTimeOffset.Parse(at, CultureInfo.InvariantCulture) - expires[i]).TotalMilliseconds;
                    other.TryRemove(i, out _);
                }
                else if (status is "PENDING" or "SENT")
                {
                    notFinal.Add(i);
                }
                else
                {
                    other[i] = status;
                }
            });
            todo = [.. notFinal];
            if (todo.Length == 0 || DateTimeOffset.UtcNow > deadline) break;
            await Task.Delay(5000);
        }
        var sorted = lateness.Values.Order().ToArray();
        double Q(double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Floor(p * sorted.Length))];
        var json = new JsonObject
        {
            ["kind"] = "ttl",
            ["workload"] = "P4",
            ["label"] = o.Str("label", "grid"),
            ["count"] = count,
            ["ttlRange"] = $"{min}-{max} s",
            ["createSeconds"] = Math.Round(createSeconds, 1),
            ["createsPerSecond"] = Math.Round(count / createSeconds, 0),
            ["timedOut"] = sorted.Length,
            ["notFinalAfterWait"] = todo.Length,
            ["otherStatus"] = other.Count,
            ["latenessP50ms"] = Math.Round(Q(0.5), 1),
            ["latenessP99ms"] = Math.Round(Q(0.99), 1),
            ["latenessMaxms"] = sorted.Length == 0 ? null : Math.Round(sorted[^1], 1),
            ["latenessMinms"] = sorted.Length == 0 ? null : Math.Round(sorted[0], 1),
            ["targetRssBeforeMB"] = Math.Round(rss0 / 1048576.0, 1),
            ["targetRssPendingMB"] = Math.Round(rssPending / 1048576.0, 1),
            ["targetCpuSecondsWhileExpiring"] = Math.Round(cpu1 - cpu0, 2),
            ["loadavg"] = Proc.LoadAverage(),
        };
        var text = json.ToJsonString();
        if (o.Has("out")) File.WriteAllText(o.Str("out"), text);
        Console.WriteLine(text);
        return 0;
    }
}
