using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using CommandGrid.Tests.Infrastructure;
using CommandGrid.Tests.Mqtt.Infrastructure;

namespace CommandGrid.Tests.Broker;

/// <summary>Debian's mosquitto on a free loopback port with a throwaway config (anonymous, no persistence).</summary>
public sealed class MosquittoBroker : IAsyncDisposable
{
    public const string Executable = "/usr/sbin/mosquitto";

    private readonly string _directory;
    private readonly System.Text.StringBuilder _log = new();
    private Process? _process;

    private MosquittoBroker(int port, string directory)
    {
        Port = port;
        _directory = directory;
    }

    public int Port { get; }

    /// <summary>What the broker logged (errors, warnings, connects and disconnects), for failure messages.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    private void AddLog(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.AppendLine(line);
            }
        }
    }

    public string Url => $"mqtt://127.0.0.1:{Port}";

    public static async Task<MosquittoBroker> StartAsync()
    {
        var directory = Directory.CreateTempSubdirectory("cg-mosquitto-").FullName;
        var broker = new MosquittoBroker(FreePort(), directory);
        await File.WriteAllTextAsync(Path.Combine(directory, "mosquitto.conf"),
            $"listener {broker.Port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\nlog_type error\nlog_type warning\nlog_type notice\n");
        await broker.StartProcessAsync();
        return broker;
    }

    private async Task StartProcessAsync()
    {
        var info = new ProcessStartInfo(Executable) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(Path.Combine(_directory, "mosquitto.conf"));
        _process = Process.Start(info) ?? throw new InvalidOperationException("could not start mosquitto");
        _process.ErrorDataReceived += (_, e) => AddLog(e.Data);
        _process.OutputDataReceived += (_, e) => AddLog(e.Data);
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        await Eventually.TrueAsync(() => Task.FromResult(Accepts()), TestTimeouts.Default, $"mosquitto listening on {Port}");
    }

    /// <summary>Kills the broker (like a crash: no goodbye to its clients) and starts it again on the same port.</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        await StartProcessAsync();
    }

    public async Task StopAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
        _process = null;
        await Eventually.TrueAsync(() => Task.FromResult(!Accepts()), TestTimeouts.Default, "mosquitto stopped");
    }

    private bool Accepts()
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreePort() => TestPorts.Next();

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (Environment.GetEnvironmentVariable("CG_MOSQUITTO_LOG") is { Length: > 0 } file)
        {
            await File.AppendAllTextAsync(file, Log);
        }
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
