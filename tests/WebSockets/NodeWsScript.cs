using CommandGrid.Tests.Mqtt.Infrastructure;
using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace CommandGrid.Tests.WebSockets;

/// <summary>
/// Runs one of the tests/js/ws scripts with node (driving the npm "ws" client) and reads the
/// JSON lines it prints. Installs the pinned npm packages first if they are missing.
/// </summary>
public sealed class NodeWsScript : IAsyncDisposable
{
    private static readonly SemaphoreSlim InstallLock = new(1, 1);

    private readonly Process _process;
    private readonly Channel<JsonObject> _lines = Channel.CreateUnbounded<JsonObject>();
    private readonly List<string> _stderr = [];

    private NodeWsScript(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) =>
        {
            if (string.IsNullOrWhiteSpace(e.Data))
            {
                return;
            }
            _lines.Writer.TryWrite(JsonNode.Parse(e.Data)!.AsObject());
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_stderr)
                {
                    _stderr.Add(e.Data);
                }
            }
        };
        _process.Exited += (_, _) => _lines.Writer.TryComplete();
        _process.EnableRaisingEvents = true;
    }

    public static string JsFolder
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "tests", "js");
                if (File.Exists(Path.Combine(candidate, "package.json")))
                {
                    return candidate;
                }
            }
            throw new InvalidOperationException("tests/js not found above " + AppContext.BaseDirectory);
        }
    }

    public static Task<NodeWsScript> StartAsync(string script, params string[] args) =>
        StartAsync(new Dictionary<string, string>(), script, args);

    /// <param name="environment">Variables for node (e.g. NODE_EXTRA_CA_CERTS, to trust a test CA over wss://).</param>
    public static async Task<NodeWsScript> StartAsync(IReadOnlyDictionary<string, string> environment, string script, params string[] args)
    {
        await EnsureInstalledAsync();
        var info = new ProcessStartInfo("node") { WorkingDirectory = Path.Combine(JsFolder, "ws"), RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }
        info.ArgumentList.Add(script);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        var process = new Process { StartInfo = info };
        var runner = new NodeWsScript(process);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return runner;
    }

    /// <summary>The next line whose "event" is <paramref name="name"/>; fails on a script error or exit.</summary>
    public async Task<JsonObject> WaitForEventAsync(string name)
    {
        using var timeout = new CancellationTokenSource(WsClient.Timeout);
        try
        {
            await foreach (var line in _lines.Reader.ReadAllAsync(timeout.Token))
            {
                var kind = (string?)line["event"];
                if (kind == name)
                {
                    return line;
                }
                if (kind is "failed" or "error" or "timeout")
                {
                    throw new InvalidOperationException($"node script reported {line.ToJsonString()}; stderr: {Stderr()}");
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"node script printed no '{name}' in time; stderr: {Stderr()}");
        }
        throw new InvalidOperationException($"node script exited ({_process.ExitCode}) before '{name}'; stderr: {Stderr()}");
    }

    public async Task<int> WaitForExitAsync()
    {
        using var timeout = new CancellationTokenSource(WsClient.Timeout);
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    private string Stderr()
    {
        lock (_stderr)
        {
            return string.Join("\n", _stderr);
        }
    }

    /// <summary>The suite's command (scripts/test.sh) runs npm ci; a bare dotnet test installs the pinned packages itself.</summary>
    private static async Task EnsureInstalledAsync()
    {
        await InstallLock.WaitAsync();
        try
        {
            if (File.Exists(Path.Combine(JsFolder, "node_modules", "ws", "package.json")))
            {
                return;
            }
            var npm = Process.Start(new ProcessStartInfo("npm", "ci --no-audit --no-fund --loglevel=error") { WorkingDirectory = JsFolder })!;
            await npm.WaitForExitAsync();
            if (npm.ExitCode != 0)
            {
                throw new InvalidOperationException($"npm ci in {JsFolder} failed with {npm.ExitCode}");
            }
        }
        finally
        {
            InstallLock.Release();
        }
    }

    public ValueTask DisposeAsync() => _process.StopAndDisposeAsync();
}
