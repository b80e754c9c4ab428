// MQTT listener fuzzer: mutated and random MQTT 3.1.1/5.0 packets against a live grid, while a valid device keeps
// receiving and answering commands. See bench/README.md ("Fuzzing the MQTT listener") and bench/fuzz/run.sh.
//   dotnet CommandGrid.Fuzz.dll --mqtt-port M --http-port H --jwt-secret S --device-secret D [--seed 1] [--packets 1000000]
//        [--connections 12] [--command-interval-ms 100] [--pid <gateway pid>] [--host 127.0.0.1]
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CommandGrid.Fuzz;

var arguments = new Dictionary<string, string>();
for (var i = 0; i + 1 < args.Length; i += 2)
{
    arguments[args[i].TrimStart('-')] = args[i + 1];
}

string Arg(string name, string? fallback = null) =>
    arguments.TryGetValue(name, out var value) ? value : fallback ?? throw new ArgumentException($"--{name} is required");

var host = Arg("host", "127.0.0.1");
var pid = arguments.TryGetValue("pid", out var pidText) ? int.Parse(pidText) : (int?)null;
var options = new FuzzOptions
{
    Host = host,
    MqttPort = int.Parse(Arg("mqtt-port")),
    HttpBase = new Uri($"http://{host}:{Arg("http-port")}/"),
    Token = Jwt(Arg("jwt-secret")),
    DeviceSecret = Arg("device-secret"),
    Seed = int.Parse(Arg("seed", "1")),
    Packets = long.Parse(Arg("packets", "1000000")),
    Connections = int.Parse(Arg("connections", "12")),
    CommandIntervalMilliseconds = int.Parse(Arg("command-interval-ms", "100")),
    Log = line => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {line}"),
};

var fuzzer = new MqttFuzzer(options);
using var stopMonitor = new CancellationTokenSource();
long maxRssKb = 0;
var crashed = false;
var samples = new List<string>();
var monitor = Task.Run(async () =>
{
    if (pid is null)
    {
        return;
    }

    var nextReport = 0L;
    while (!stopMonitor.IsCancellationRequested)
    {
        var rss = ReadStatusKb(pid.Value, "VmRSS");
        if (rss is null)
        {
            crashed = true;
            options.Log($"the gateway process {pid} is gone");
            return;
        }

        maxRssKb = Math.Max(maxRssKb, rss.Value);
        if (fuzzer.PacketsSent >= nextReport)
        {
            var line = $"{fuzzer.PacketsSent,10:N0} packets {fuzzer.ConnectionsOpened,8:N0} connections  RSS {rss / 1024.0,7:F1} MiB";
            samples.Add(line);
            options.Log(line);
            nextReport += options.Packets / 10;
        }

        await Task.Delay(250);
    }
});

var clock = Stopwatch.StartNew();
FuzzReport report;
try
{
    report = await fuzzer.RunAsync();
}
finally
{
    await stopMonitor.CancelAsync();
    await monitor;
}

var hwm = pid is { } p ? ReadStatusKb(p, "VmHWM") : null;
crashed |= pid is { } q && ReadStatusKb(q, "VmRSS") is null;
var endRss = pid is { } r ? ReadStatusKb(r, "VmRSS") : null;

Console.WriteLine($"seed                      {options.Seed}");
Console.WriteLine($"connections (concurrent)  {options.Connections}");
Console.WriteLine($"packets sent              {report.PacketsSent:N0} ({report.BytesSent / 1048576.0:F1} MiB)");
Console.WriteLine($"connections opened        {report.ConnectionsOpened:N0} (sessions accepted {report.SessionsAccepted:N0}, cut off by the server mid-send {report.ClosedByServer:N0})");
Console.WriteLine($"hangs (no close 10 s after FIN) {report.Hangs}");
Console.WriteLine($"fuzz duration             {report.Duration.TotalSeconds:F1} s ({report.PacketsSent / report.Duration.TotalSeconds:N0} packets/s); total {clock.Elapsed.TotalSeconds:F1} s");
if (pid is not null)
{
    Console.WriteLine($"gateway max RSS           {maxRssKb / 1024.0:F1} MiB polled, VmHWM {hwm / 1024.0:F1} MiB, at the end {endRss / 1024.0:F1} MiB");
    Console.WriteLine($"gateway crashed           {(crashed ? "YES" : "no")}");
}

Console.WriteLine($"device commands           created {report.CommandsCreated}, delivered {report.CommandsDelivered}, answered {report.CommandsAnswered}, confirmed SUCCEEDED {report.CommandsConfirmed} (create failures {report.CreateFailures}, device disconnects {report.DeviceDisconnects})");
Console.WriteLine($"fresh CONNECT afterwards  {(report.FreshConnectAccepted ? "accepted" : "REFUSED")}");
Console.WriteLine($"mutations                 {string.Join(", ", report.Mutations.OrderBy(m => m.Key).Select(m => $"{m.Key} {m.Value:N0}"))}");
Console.WriteLine("RSS over the run:");
foreach (var line in samples)
{
    Console.WriteLine("  " + line);
}

foreach (var problem in report.Problems.Take(20))
{
    Console.WriteLine("problem: " + problem);
}

var ok = !crashed && report.Hangs == 0 && report.FreshConnectAccepted && report.CommandsCreated > 0
    && report.CommandsDelivered == report.CommandsCreated && report.CommandsConfirmed == report.CommandsCreated && report.DeviceDisconnects == 0;
Console.WriteLine(ok ? "RESULT: OK" : "RESULT: FAILED");
return ok ? 0 : 1;

static long? ReadStatusKb(int pid, string field)
{
    try
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0]);
            }
        }
    }
    catch (IOException)
    {
    }

    return null;
}

// The grid's access token: HS256 over {"payload": {...}}, as bench/mqtt-roundtrip/bench.js makes it.
static string Jwt(string secret)
{
    static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    var header = B64(JsonSerializer.SerializeToUtf8Bytes(new { alg = "HS256", typ = "JWT" }));
    var payload = B64(JsonSerializer.SerializeToUtf8Bytes(new
    {
        payload = new { u = 1, a = new[] { 0 }, n = new[] { "*" }, dt = new[] { "*" }, d = new[] { "*" }, e = DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeMilliseconds(), t = 1 },
    }));
    var body = $"{header}.{payload}";
    return $"{body}.{B64(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body)))}";
}
