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
/// With <c>--restart-file</c> (the grid was restarted while they were pending; the file holds the unix ms at which
/// it answered again, and <c>--target-pid-file</c> its new pid), the executions due before that answer are reported
/// apart: how long after the answer the last of them timed out. Lateness is then that of the others.
/// </summary>
public static class Ttl
{
    public static async Task<int> RunAsync(Options o)
    {
        var pidFile = o.Has("target-pid-file") ? o.Str("target-pid-file") : null;
        int Pid() => pidFile is null ? o.Int("target-pid") : int.Parse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture);
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
        var rss0 = Proc.RssBytes(Pid());
        // With an expiry rate the TTLs are chosen at each create so that the expiries come at that rate from
        // start + min-ttl on, however fast the creates go; otherwise they cycle through [min, max].
        double? expiryRate = o.Has("expiry-rate") ? o.Dbl("expiry-rate") : null;
        var firstExpiry = DateTimeOffset.UtcNow.AddSeconds(min);
        var created = Stopwatch.StartNew();
        await Mqtt.ForAllAsync(count, o.Int("parallel", 32), async i =>
        {
            var ttl = expiryRate is { } rate
                ? Math.Max(1, (int)Math.Round((firstExpiry.AddSeconds(i / rate) - DateTimeOffset.UtcNow).TotalSeconds))
                : min + i % (max - min + 1);
            using var body = new StringContent($"{{\"thingId\":\"{prefix}-{i % things}\",\"action\":\"ttl\",\"ttl\":{ttl}}}", Encoding.UTF8, "application/json");
            using var r = await http.PostAsync("/api/v1/commands", body);
            var node = JsonNode.Parse(await r.Content.ReadAsStringAsync())!;
            if (!r.IsSuccessStatusCode) throw new InvalidOperationException($"POST {(int)r.StatusCode}: {node.ToJsonString()}");
            ids[i] = node["executionId"]!.GetValue<string>();
            expires[i] = DateTimeOffset.Parse(node["expiresAt"]!.GetValue<string>(), CultureInfo.InvariantCulture);
        });
        var createSeconds = created.Elapsed.TotalSeconds;
        var rssPending = Proc.RssBytes(Pid());
        var cpu0 = Proc.CpuSeconds(Pid());
        var last = expires.Max();
        var grace = TimeSpan.FromSeconds(o.Dbl("grace", 15));
        var wait = last + grace - DateTimeOffset.UtcNow;
        Console.Error.WriteLine($"created {count} in {createSeconds:F1} s; first expiry {expires.Min().ToUnixTimeMilliseconds()}; waiting {wait.TotalSeconds:F0} s for the last expiry + {grace.TotalSeconds} s");
        if (wait > TimeSpan.Zero) await Task.Delay(wait);
        var cpu1 = Proc.CpuSeconds(Pid());
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
        long? answeredMs = o.Has("restart-file") ? long.Parse(File.ReadAllText(o.Str("restart-file")).Trim(), CultureInfo.InvariantCulture) : null;
        var overdueAfter = new List<double>();
        if (answeredMs is { } answered)
        {
            // Due before the restarted grid answered: what counts is when they timed out after that answer.
            foreach (var (i, late) in lateness.ToArray())
            {
                if (expires[i].ToUnixTimeMilliseconds() <= answered)
                {
                    overdueAfter.Add(expires[i].ToUnixTimeMilliseconds() + late - answered);
                    lateness.TryRemove(i, out _);
                }
            }
        }
        var sorted = lateness.Values.Order().ToArray();
        // None when every command was due before a restarted grid answered (a slow restart): JSON has no NaN.
        double? Q(double p) => sorted.Length == 0 ? null : Math.Round(sorted[Math.Min(sorted.Length - 1, (int)Math.Floor(p * sorted.Length))], 1);
        var json = new JsonObject
        {
            ["kind"] = "ttl",
            ["workload"] = "P4",
            ["label"] = o.Str("label", "grid"),
            ["count"] = count,
            ["ttlRange"] = expiryRate is null ? $"{min}-{max} s" : $"expiring at {expiryRate}/s from {min} s after the first create",
            ["createSeconds"] = Math.Round(createSeconds, 1),
            ["createsPerSecond"] = Math.Round(count / createSeconds, 0),
            ["timedOut"] = sorted.Length + overdueAfter.Count,
            ["overdueAtRestart"] = answeredMs is null ? null : overdueAfter.Count,
            ["overdueTimedOutWithinMsOfAnswer"] = overdueAfter.Count == 0 ? null : Math.Round(overdueAfter.Max(), 1),
            ["notFinalAfterWait"] = todo.Length,
            ["otherStatus"] = other.Count,
            ["latenessP50ms"] = Q(0.5),
            ["latenessP99ms"] = Q(0.99),
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
