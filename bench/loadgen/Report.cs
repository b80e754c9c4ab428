using System.Globalization;
using System.Text.Json.Nodes;

namespace Loadgen;

/// <summary>Prints the results of one bench/workloads.sh run as one Markdown table, one column per target.</summary>
public static class Report
{
    public static int Print(string dir)
    {
        var results = Directory.GetFiles(dir, "*.json").Select(f => JsonNode.Parse(File.ReadAllText(f))!.AsObject()).ToList();
        var order = new[] { "grid", "mosquitto", "mqttnet" };
        var labels = results.Select(r => r["label"]!.GetValue<string>()).Distinct()
            .OrderBy(l => Array.IndexOf(order, l) is var i && i < 0 ? 99 : i).ToList();
        JsonObject? Get(string label, string workload) =>
            results.FirstOrDefault(r => r["label"]!.GetValue<string>() == label && r["workload"]!.GetValue<string>() == workload);
        static string F(JsonNode? n, string fmt = "N0") => n is null ? "—" : n.GetValue<double>().ToString(fmt, CultureInfo.InvariantCulture);
        var names = new Dictionary<string, string> { ["grid"] = "CommandGrid (durable)", ["mosquitto"] = "mosquitto relay", ["mqttnet"] = "MQTTnet 5.2 server relay" };
        Console.WriteLine("| workload | figure | " + string.Join(" | ", labels.Select(l => names.GetValueOrDefault(l, l))) + " |");
        Console.WriteLine("|---|---|" + string.Concat(labels.Select(_ => "---:|")));
        void Row(string workload, string title, string figure, Func<JsonObject, string> cell) =>
            Console.WriteLine($"| {title} | {figure} | " + string.Join(" | ", labels.Select(l => Get(l, workload) is { } r ? cell(r) : "—")) + " |");
        string Lat(JsonObject r) => $"{F(r["p50ms"], "F1")} / {F(r["p99ms"], "F1")} / {F(r["p999ms"], "F1")}";
        var any = results.FirstOrDefault(r => r["workload"]!.GetValue<string>() == "P1");
        var p1 = any is null ? "P1" : $"P1 closed loop, {any["devices"]} devices, {any["window"]} in flight";
        Row("P1", p1, "pairs/s", r => F(r["pairsPerSecond"]));
        Row("P1", "", "latency p50 / p99 / p99.9 ms", Lat);
        Row("P1", "", "target CPU-s per 1,000 pairs (cores used)", r => $"{F(r["targetCpuPer1000"], "F3")} ({F(r["targetCores"], "F2")})");
        Row("P1", "", "target RSS MB", r => F(r["targetRssMB"], "F0"));
        Row("P1", "", "generator CPU, cores (workers)", r => $"{F(r["generatorCores"], "F2")} ({r["workers"]})");
        Row("P1", "", "errors", r => F(r["errors"]));
        Row("P1idle", "P1 again, with the P3 idle clients connected", "pairs/s", r => F(r["pairsPerSecond"]));
        Row("P1idle", "", "latency p50 / p99 / p99.9 ms", Lat);
        Row("P1idle", "", "target CPU-s per 1,000 pairs (cores used)", r => $"{F(r["targetCpuPer1000"], "F3")} ({F(r["targetCores"], "F2")})");
        Row("P1idle", "", "generator CPU, cores", r => F(r["generatorCores"], "F2"));
        Row("P2w1", "P2 window 1 (one pair in flight in all)", "pairs/s", r => F(r["pairsPerSecond"]));
        Row("P2w1", "", "latency p50 / p99 / p99.9 ms", Lat);
        Row("P2open", "P2 open loop at 50% of the target's P1 rate", "offered → completed pairs/s", r => $"{F(r["rate"])} → {F(r["pairsPerSecond"])}");
        Row("P2open", "", "latency p50 / p99 / p99.9 ms (from intended send time)", Lat);
        Row("P2open", "", "generator's own send lag p99 / max ms", r => $"{F(r["sendLagP99ms"], "F1")} / {F(r["sendLagMaxms"], "F1")}");
        Row("P2open", "", "target cores used; generator cores", r => $"{F(r["targetCores"], "F2")}; {F(r["generatorCores"], "F2")}");
        Row("P3", "P3 idle MQTT connections (connect + subscribe)", "connected / failed", r => $"{F(r["connected"])} / {F(r["failed"])}");
        Row("P3", "", "time to connect all, s (connections/s)", r => $"{F(r["connectSeconds"], "F1")} ({F(r["connectsPerSecond"])})");
        Row("P3", "", "target RSS before → after, MB", r => $"{F(r["rssBeforeMB"], "F0")} → {F(r["rssAfterMB"], "F0")}");
        Row("P3", "", "memory per connection, KB (RSS delta / connections)", r => r["bytesPerConnection"] is null ? "—" : F(r["bytesPerConnection"]!.GetValue<double>() / 1024, "F1"));
        Row("P3", "", "target CPU-s while connecting", r => F(r["targetCpuSecondsConnecting"], "F1"));
        Row("P4", "P4 TTL lateness (no device connected)", "commands, TTLs; timed out", r => $"{F(r["count"])}, {r["ttlRange"]}; {F(r["timedOut"])}");
        Row("P4", "", "lateness p50 / p99 / max ms (TIMED_OUT at − expiresAt)", r => $"{F(r["latenessP50ms"], "F0")} / {F(r["latenessP99ms"], "F0")} / {F(r["latenessMaxms"], "F0")}");
        Row("P4", "", "creates/s (10k PENDING); RSS with them pending MB", r => $"{F(r["createsPerSecond"])}; {F(r["targetRssPendingMB"], "F0")}");
        var loads = results.Select(r => (r["loadavgBefore"] ?? r["loadavg"])?.GetValue<string>()).Where(s => s is not null).ToList();
        Console.WriteLine();
        Console.WriteLine($"Load average (1/5/15 min) seen during the runs: {string.Join("; ", loads.Distinct().Take(12))}");
        return 0;
    }
}
