using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using CommandGrid.Tests.Infrastructure;
using CommandGrid.Tests.Mqtt.Infrastructure;

namespace CommandGrid.Tests.Cluster;

/// <summary>
/// One real CommandGrid process (a silo or a standalone gateway) started from the built DLL with
/// <c>dotnet</c>, its stdout and stderr written line by line, timestamped, to a log file.
/// </summary>
public sealed class GridProcess : IAsyncDisposable
{
    private const int SigTerm = 15;
    private const int SigCont = 18;
    private const int SigStop = 19;

    private readonly string _dll;
    private readonly IReadOnlyList<string> _arguments;
    private readonly IReadOnlyList<string> _logging;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly IReadOnlyList<string> _launcher;
    private readonly StreamWriter _log;
    private readonly Lock _logLock = new();
    private Process? _process;

    private GridProcess(string name, string dll, IReadOnlyList<string> arguments, int httpPort, int? mqttPort, string logPath,
        IReadOnlyList<string> logging, IReadOnlyDictionary<string, string> environment, IReadOnlyList<string> launcher)
    {
        _launcher = launcher;
        Name = name;
        _dll = dll;
        _arguments = arguments;
        _logging = logging;
        _environment = environment;
        HttpPort = httpPort;
        MqttPort = mqttPort;
        LogPath = logPath;
        _log = new StreamWriter(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
    }

    public string Name { get; }

    public int HttpPort { get; }

    public int? MqttPort { get; }

    public string LogPath { get; }

    public Uri BaseUri => new($"http://127.0.0.1:{HttpPort}");

    public Uri WebSocketUri => new($"ws://127.0.0.1:{HttpPort}/api/websocket");

    public int? Pid => _process?.Id;

    /// <summary>When the process was last started.</summary>
    public DateTimeOffset? StartedAt { get; private set; }

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The build configuration the tests run in (Release from scripts/test.sh, Debug by hand), read from the test assembly's own folder.</summary>
    public static string Configuration => TestBinDirectory.Parent!.Name;

    /// <summary>The target framework folder name (net10.0), likewise.</summary>
    public static string TargetFramework => TestBinDirectory.Name;

    public static string SiloDll => BuiltDll("silo", "CommandGrid.Silo.dll");

    public static string GatewayDll => BuiltDll("gateway", "CommandGrid.Gateway.dll");

    private static DirectoryInfo TestBinDirectory => new(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));

    private static string BuiltDll(string project, string file)
    {
        var path = Path.Combine(TestPaths.RepositoryRoot, project, "bin", Configuration, TargetFramework, file);
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"{path} is missing: build it first (dotnet build tests/CommandGrid.Tests.csproj -c {Configuration} builds the silo and the gateway too).", path);
    }

    /// <summary>A TCP port nobody listens on right now (<see cref="TestPorts"/>).</summary>
    public static int FreePort() => TestPorts.Next();

    /// <summary>
    /// Starts the process at once; it is ready when <see cref="HealthyAsync"/> says so. Its logging settings are
    /// <see cref="TestHostLogging.ExpectedWarningsFiltered"/> unless <paramref name="logging"/> names others;
    /// <paramref name="environment"/> adds to the test process's variables; <paramref name="launcher"/> is a command
    /// that runs <c>dotnet</c> in its own process (e.g. <c>prlimit --nofile=1024:1024</c>, which execs it, so the pid stays).
    /// </summary>
    public static GridProcess Start(string name, string dll, IReadOnlyList<string> arguments, int httpPort, int? mqttPort, string logDirectory,
        IReadOnlyList<string>? logging = null, IReadOnlyDictionary<string, string>? environment = null, IReadOnlyList<string>? launcher = null)
    {
        var process = new GridProcess(name, dll, arguments, httpPort, mqttPort, Path.Combine(logDirectory, name + ".log"),
            logging ?? TestHostLogging.ExpectedWarningsFiltered, environment ?? new Dictionary<string, string>(), launcher ?? []);
        process.Launch();
        return process;
    }

    /// <summary>Starts the same command line again (same ports, same store): a restart after a kill.</summary>
    public void Restart()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"{Name} is still running (pid {Pid}).");
        }
        _process?.Dispose();
        Launch();
    }

    private void Launch()
    {
        // The launcher's command line, then dotnet's: prlimit … dotnet grid.dll …, or dotnet grid.dll … alone.
        string[] command = [.. _launcher, "dotnet", _dll, .. _arguments, .. _logging];
        var info = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
            // The content root: appsettings.json is next to the DLL.
            WorkingDirectory = Path.GetDirectoryName(_dll)!,
        };
        foreach (var argument in command.Skip(1))
        {
            info.ArgumentList.Add(argument);
        }
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (name, value) in _environment)
        {
            info.Environment[name] = value;
        }
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => Write("out", e.Data);
        process.ErrorDataReceived += (_, e) => Write("err", e.Data);
        process.Exited += (_, _) => Write("test", $"process exited with code {SafeExitCode(process)}");
        Write("test", $"starting: dotnet {_dll} {string.Join(' ', _arguments)}");
        StartedAt = DateTimeOffset.UtcNow;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        Write("test", $"pid {process.Id}");
    }

    /// <summary>Whether GET /health answers 200 now.</summary>
    public async Task<bool> HealthyAsync(HttpClient http)
    {
        if (!IsRunning)
        {
            return false;
        }
        try
        {
            using var response = await http.GetAsync(new Uri(BaseUri, "/health"));
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>SIGKILL: the process gets no chance to leave the cluster or flush anything.</summary>
    public DateTimeOffset KillHard()
    {
        var process = _process ?? throw new InvalidOperationException($"{Name} was never started.");
        var at = DateTimeOffset.UtcNow;
        Write("test", "KILL -9");
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
        RemoveRuntimeIpcFiles(process.Id);
        return at;
    }

    /// <summary>SIGSTOP: the process is frozen with its sockets open, as a silo in a long GC pause or a suspended VM is.</summary>
    public DateTimeOffset Freeze() => Signal(SigStop, "SIGSTOP (frozen)");

    /// <summary>SIGCONT: the frozen process runs again, unaware of the time that passed.</summary>
    public DateTimeOffset Thaw() => Signal(SigCont, "SIGCONT (thawed)");

    /// <summary>Waits for the process to end by itself (e.g. a silo that learnt it was declared dead); its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        var process = _process ?? throw new InvalidOperationException($"{Name} was never started.");
        using var limit = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(limit.Token);
        RemoveRuntimeIpcFiles(process.Id);
        return process.ExitCode;
    }

    private DateTimeOffset Signal(int signal, string what)
    {
        var process = _process ?? throw new InvalidOperationException($"{Name} was never started.");
        var at = DateTimeOffset.UtcNow;
        Write("test", what);
        if (SendSignal(process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"{what} of {Name} (pid {process.Id}) failed");
        }
        return at;
    }

    /// <summary>The process's resident memory now (RSS), in bytes.</summary>
    public long ResidentBytes()
    {
        var process = _process ?? throw new InvalidOperationException($"{Name} was never started.");
        process.Refresh();
        return process.WorkingSet64;
    }

    /// <summary>SIGTERM (a clean leave), then SIGKILL if it is still running after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process is not { } process || process.HasExited)
        {
            return;
        }
        Write("test", "SIGTERM");
        if (SendSignal(process.Id, SigTerm) == 0)
        {
            using var timeout = new CancellationTokenSource(grace);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
                return;
            }
            catch (OperationCanceledException)
            {
                Write("test", $"still running {grace.TotalSeconds:0} s after SIGTERM: KILL -9");
            }
        }
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Exited in between.
        }
        await process.WaitForExitAsync();
        RemoveRuntimeIpcFiles(process.Id);
    }

    /// <summary>
    /// The .NET runtime's diagnostics socket and debugger pipes in the temp directory, which a process removes when
    /// it exits but a killed one leaves behind.
    /// </summary>
    private static void RemoveRuntimeIpcFiles(int pid)
    {
        var temp = Path.GetTempPath();
        foreach (var file in Directory.EnumerateFiles(temp, $"dotnet-diagnostic-{pid}-*").Concat(Directory.EnumerateFiles(temp, $"clr-debug-pipe-{pid}-*")))
        {
            File.Delete(file);
        }
    }

    /// <summary>The last <paramref name="lines"/> lines of the log.</summary>
    public string Tail(int lines) => string.Join('\n', ReadLog().Split('\n').TakeLast(lines));

    /// <summary>Whether the process has written <paramref name="text"/> to its output so far (since its first start).</summary>
    public bool Logged(string text) => ReadLog().Contains(text, StringComparison.Ordinal);

    private string ReadLog()
    {
        lock (_logLock)
        {
            _log.Flush();
        }
        using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(10));
        _process?.Dispose();
        lock (_logLock)
        {
            _log.Dispose();
        }
    }

    private void Write(string stream, string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_logLock)
        {
            try
            {
                _log.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} [{stream}] {line}");
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    private static string SafeExitCode(Process process)
    {
        try
        {
            return process.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (InvalidOperationException)
        {
            return "?";
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);
}
