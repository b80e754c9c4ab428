using System.Diagnostics;
using System.Reflection;
using System.Text.Json;

namespace Loadgen;

/// <summary>
/// Child processes of the coordinator, driven line by line over stdin/stdout:
/// worker → "ready"; coordinator → "go" (start the load), "measure" (reset, start counting), "stop" (→ "result {json}"),
/// "exit". A worker whose stdin closes (its coordinator died) exits.
/// </summary>
public sealed class Workers : IAsyncDisposable
{
    private readonly List<Process> _processes = [];

    public static Workers Start(Options o, string role)
    {
        var w = new Workers();
        var n = o.Int("workers");
        for (var k = 0; k < n; k++)
        {
            var psi = new ProcessStartInfo(Environment.ProcessPath!)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet") psi.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
            psi.ArgumentList.Add(role);
            foreach (var a in o.With("worker-index", k.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArgs()) psi.ArgumentList.Add(a);
            w._processes.Add(Process.Start(psi)!);
        }
        AppDomain.CurrentDomain.ProcessExit += (_, _) => w.Kill();
        return w;
    }

    public async Task<string[]> ExpectAsync(string prefix, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        return await Task.WhenAll(_processes.Select(async p =>
        {
            while (true)
            {
                var line = await p.StandardOutput.ReadLineAsync(cts.Token) ?? throw new InvalidOperationException($"worker {p.Id} ended before '{prefix}'");
                if (line.StartsWith(prefix, StringComparison.Ordinal)) return line[prefix.Length..].Trim();
                Console.Error.WriteLine($"worker {p.Id}: {line}");
            }
        }));
    }

    public void Say(string line)
    {
        foreach (var p in _processes)
        {
            p.StandardInput.WriteLine(line);
            p.StandardInput.Flush();
        }
    }

    private void Kill()
    {
        foreach (var p in _processes)
        {
            try { if (!p.HasExited) p.Kill(); } catch (InvalidOperationException) { }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try { Say("exit"); } catch (IOException) { }
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try { await Task.WhenAll(_processes.Select(p => p.WaitForExitAsync(cts.Token))); } catch (OperationCanceledException) { }
        Kill();
    }

    /// <summary>The worker side of a load run.</summary>
    public static async Task<int> RunWorkerAsync(Options o)
    {
        Driver driver = o.Str("target") == "grid" ? new GridDriver(o) : new RelayDriver(o);
        await driver.SetupAsync();
        Console.WriteLine("ready");
        double cpu0 = 0;
        while (await Task.Run(Console.ReadLine) is { } line)
        {
            switch (line)
            {
                case "go": driver.Start(); break;
                case "measure": cpu0 = Proc.SelfCpuSeconds(); driver.BeginMeasure(); break;
                case "stop":
                    var result = driver.EndMeasure(Proc.SelfCpuSeconds() - cpu0);
                    driver.Stop();
                    Console.WriteLine("result " + JsonSerializer.Serialize(result));
                    break;
                case "exit":
                    await driver.DisposeAsync();
                    return 0;
            }
        }
        return 0;
    }

    /// <summary>The worker side of P3: connect this worker's share of idle devices, then hold them.</summary>
    public static async Task<int> RunIdleWorkerAsync(Options o)
    {
        var k = o.Int("worker-index");
        var n = o.Int("workers");
        var count = Options.Share(o.Int("count"), k, n);
        var start = Options.ShareStart(o.Int("count"), k, n);
        var grid = o.Str("target") == "grid";
        var subscribe = o.Str("subscribe", "true") == "true";
        Mqtt.Tls?.Prepare(Enumerable.Range(start, count).Select(i => $"{o.Str("prefix")}-{i}"));
        Console.WriteLine("ready");
        var clients = new MQTTnet.IMqttClient?[count];
        long failed = 0, reconnected = 0;
        // With --reconnect-ms, a device refused on its first try keeps trying, that long after each refusal (MQTT.js'
        // reconnectPeriod is 1,000 ms), until it is in or the worker exits: a reconnect storm that does not give up.
        var reconnectMs = o.Int("reconnect-ms", 0);
        using var exiting = new CancellationTokenSource();
        var retries = new List<Task>();
        async Task<bool> TryConnectAsync(int i, bool report)
        {
            var thing = $"{o.Str("prefix")}-{start + i}";
            try
            {
                var c = await Mqtt.ConnectAsync(o.Str("host", "127.0.0.1"), o.Int("mqtt-port"), thing, grid ? thing : null, grid ? o.Str("device-secret") : null);
                if (subscribe) await Mqtt.SubscribeAsync(c, [$"{Mqtt.Root}{thing}/executions/+/request"]);
                clients[i] = c;
                return true;
            }
            catch (Exception ex)
            {
                if (report && Interlocked.Increment(ref failed) <= 3) Console.Error.WriteLine($"idle {thing}: {ex.GetBaseException().Message}");
                return false;
            }
        }
        async Task ReconnectAsync(int i)
        {
            try
            {
                do
                {
                    await Task.Delay(reconnectMs, exiting.Token);
                }
                while (!await TryConnectAsync(i, report: false));
                Interlocked.Increment(ref reconnected);
            }
            catch (OperationCanceledException)
            {
            }
        }
        while (await Task.Run(Console.ReadLine) is { } line)
        {
            if (line == "go")
            {
                await Mqtt.ForAllAsync(count, o.Int("connect-parallel", 64), async i =>
                {
                    if (!await TryConnectAsync(i, report: true) && reconnectMs > 0)
                    {
                        lock (retries) retries.Add(ReconnectAsync(i));
                    }
                });
                Console.WriteLine($"connected {count - failed} {failed}");
            }
            else if (line == "exit")
            {
                break;
            }
        }
        exiting.Cancel();
        await Task.WhenAll(retries);
        if (reconnectMs > 0) Console.Error.WriteLine($"idle worker {k}: {Interlocked.Read(ref reconnected)} of {failed} refused devices got in on a later try");
        // Closing 10,000 sockets is enough; a DISCONNECT each would only add work to the target being measured next.
        foreach (var c in clients) c?.Dispose();
        return 0;
    }
}
