using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Loadgen;

// loadgen run   --target grid|relay --label NAME --workload P1 --workers N --devices D (--window W | --rate R | --rate-from FILE --rate-fraction F)
//               --warmup S --duration S --target-pid PID --mqtt-port P [--http-port P --jwt-secret S --device-secret S] --prefix P --out FILE
// loadgen idle  --target grid|relay --label NAME --workers N --count K --target-pid PID --mqtt-port P [--device-secret S] --prefix P --out FILE [--hold-file F] [--reconnect-ms MS]
// loadgen ttl   --http-port P --jwt-secret S --target-pid PID --count N --min-ttl 20 --max-ttl 40 --out FILE
// loadgen job   --http-port P --jwt-secret S --target-pid PID --things N [--devices D --mqtt-port P --device-secret S] --ttl S [--max-per-minute R] --prefix P --out FILE
// loadgen report DIR
// Any of them: --tls for MQTT over TLS (to --mqtt-port), with --device-ca-cert F --device-ca-key F for device certificates.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
ThreadPool.SetMinThreads(Environment.ProcessorCount * 4, Environment.ProcessorCount * 4);
var verb = args.Length > 0 ? args[0] : "";
var o = verb == "report" ? new Options() : Options.Parse(args.Skip(1));
Mqtt.Tls = MqttTls.FromOptions(o);
return verb switch
{
    "worker" => await Workers.RunWorkerAsync(o),
    "idle-worker" => await Workers.RunIdleWorkerAsync(o),
    "run" => await RunAsync(o),
    "idle" => await IdleAsync(o),
    "ttl" => await Ttl.RunAsync(o),
    "job" => await Job.RunAsync(o),
    "report" => Report.Print(args[1]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: loadgen run|idle|ttl|job|report ... (see bench/README.md and bench/workloads.sh)");
    return 2;
}

static async Task<int> RunAsync(Options o)
{
    if (o.Has("rate-from"))
    {
        var p1 = JsonNode.Parse(File.ReadAllText(o.Str("rate-from")))!;
        var rate = Math.Max(1, Math.Round(p1["pairsPerSecond"]!.GetValue<double>() * o.Dbl("rate-fraction", 0.5)));
        o = o.With("rate", rate.ToString(CultureInfo.InvariantCulture));
    }
    var pid = o.Int("target-pid");
    var workers = o.Int("workers");
    var load0 = Proc.LoadAverage();
    var setup = Stopwatch.StartNew();
    await using var w = Workers.Start(o, "worker");
    await w.ExpectAsync("ready", TimeSpan.FromMinutes(5));
    var setupSeconds = setup.Elapsed.TotalSeconds;
    w.Say("go");
    await Task.Delay(TimeSpan.FromSeconds(o.Dbl("warmup", 5)));
    var cpu0 = Proc.CpuSeconds(pid);
    var self0 = Proc.SelfCpuSeconds();
    var t0 = Stopwatch.GetTimestamp();
    w.Say("measure");
    await Task.Delay(TimeSpan.FromSeconds(o.Dbl("duration", 20)));
    w.Say("stop");
    var seconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;
    var cpu1 = Proc.CpuSeconds(pid);
    var rss = Proc.RssBytes(pid);
    var results = (await w.ExpectAsync("result", TimeSpan.FromMinutes(1))).Select(j => JsonSerializer.Deserialize<WorkerResult>(j)!).ToList();
    var self = Proc.SelfCpuSeconds() - self0;
    var h = Latency.Merge(results.Select(r => r.Histogram));
    var pairs = results.Sum(r => r.Pairs);
    var genCpu = results.Sum(r => r.CpuSeconds) + self;
    var lag = Latency.Merge(results.Select(r => r.SendLag));
    var json = new JsonObject
    {
        ["kind"] = "run",
        ["workload"] = o.Str("workload"),
        ["label"] = o.Str("label"),
        ["target"] = o.Str("target"),
        ["devices"] = o.Int("devices"),
        ["window"] = o.Has("rate") ? null : o.Int("window"),
        ["rate"] = o.Has("rate") ? o.Dbl("rate") : null,
        ["workers"] = workers,
        ["seconds"] = Math.Round(seconds, 2),
        ["setupSeconds"] = Math.Round(setupSeconds, 1),
        ["pairs"] = pairs,
        ["errors"] = results.Sum(r => r.Errors),
        ["offered"] = results.Sum(r => r.Offered),
        ["skipped"] = results.Sum(r => r.Skipped),
        ["pairsPerSecond"] = Math.Round(pairs / seconds, 1),
        ["p50ms"] = Math.Round(Latency.Ms(h, 50), 2),
        ["p99ms"] = Math.Round(Latency.Ms(h, 99), 2),
        ["p999ms"] = Math.Round(Latency.Ms(h, 99.9), 2),
        ["maxms"] = Math.Round(h.TotalCount == 0 ? double.NaN : h.GetValueAtPercentile(100) / 1000.0, 2),
        ["sendLagP99ms"] = lag.TotalCount == 0 ? null : Math.Round(Latency.Ms(lag, 99), 2),
        ["sendLagMaxms"] = lag.TotalCount == 0 ? null : Math.Round(Latency.Ms(lag, 100), 2),
        ["targetCpuSeconds"] = Math.Round(cpu1 - cpu0, 2),
        ["targetCpuPer1000"] = pairs == 0 ? null : Math.Round((cpu1 - cpu0) * 1000 / pairs, 3),
        ["targetCores"] = Math.Round((cpu1 - cpu0) / seconds, 2),
        ["targetRssMB"] = Math.Round(rss / 1048576.0, 1),
        ["generatorCpuSeconds"] = Math.Round(genCpu, 2),
        ["generatorCores"] = Math.Round(genCpu / seconds, 2),
        ["loadavgBefore"] = load0,
        ["loadavgAfter"] = Proc.LoadAverage(),
    };
    Finish(o, json);
    return 0;
}

static async Task<int> IdleAsync(Options o)
{
    var pid = o.Int("target-pid");
    var rss0 = Proc.RssBytes(pid);
    var cpu0 = Proc.CpuSeconds(pid);
    var self0 = Proc.SelfCpuSeconds();
    var w = Workers.Start(o, "idle-worker");
    await w.ExpectAsync("ready", TimeSpan.FromMinutes(1));
    var t0 = Stopwatch.GetTimestamp();
    w.Say("go");
    var connected = (await w.ExpectAsync("connected", TimeSpan.FromMinutes(10))).Select(l => l.Split(' ')).ToList();
    var connectSeconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;
    var cpu1 = Proc.CpuSeconds(pid);
    await Task.Delay(TimeSpan.FromSeconds(o.Dbl("settle", 5)));
    var rss1 = Proc.RssBytes(pid);
    var ok = connected.Sum(c => long.Parse(c[0], CultureInfo.InvariantCulture));
    var json = new JsonObject
    {
        ["kind"] = "idle",
        ["workload"] = "P3",
        ["label"] = o.Str("label"),
        ["count"] = o.Int("count"),
        ["connected"] = ok,
        ["failed"] = connected.Sum(c => long.Parse(c[1], CultureInfo.InvariantCulture)),
        ["connectSeconds"] = Math.Round(connectSeconds, 2),
        ["connectsPerSecond"] = Math.Round(ok / connectSeconds, 0),
        ["targetCpuSecondsConnecting"] = Math.Round(cpu1 - cpu0, 2),
        ["rssBeforeMB"] = Math.Round(rss0 / 1048576.0, 1),
        ["rssAfterMB"] = Math.Round(rss1 / 1048576.0, 1),
        ["bytesPerConnection"] = ok == 0 ? null : (rss1 - rss0) / ok,
        ["generatorCpuSelfSeconds"] = Math.Round(Proc.SelfCpuSeconds() - self0, 2),
        ["loadavg"] = Proc.LoadAverage(),
    };
    Finish(o, json);
    if (o.Has("hold-file"))
    {
        // Keep the idle devices connected (for the next run) until the script creates the file.
        while (!File.Exists(o.Str("hold-file"))) await Task.Delay(200);
    }
    await w.DisposeAsync();
    return 0;
}

static void Finish(Options o, JsonObject json)
{
    var text = json.ToJsonString();
    if (o.Has("out"))
    {
        File.WriteAllText(o.Str("out") + ".tmp", text);
        File.Move(o.Str("out") + ".tmp", o.Str("out"), true);
    }
    Console.WriteLine(text);
}
