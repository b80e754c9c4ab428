using System.Diagnostics;
using System.Text;

namespace CommandGrid.Tests.Mqtt.Infrastructure;

/// <summary>A long-running command-line client (mosquitto_sub) whose output lines a test waits on.</summary>
public sealed class CapturedProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly Lock _lock = new();
    private readonly AsyncCondition _changed = new();

    private CapturedProcess(Process process) => _process = process;

    public static CapturedProcess Start(string fileName, params string[] arguments)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var captured = new CapturedProcess(process);
        process.OutputDataReceived += (_, e) => captured.Add(e.Data);
        process.ErrorDataReceived += (_, e) => captured.Add(e.Data);
        process.Exited += (_, _) => captured._changed.Notify();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return captured;
    }

    public string Output
    {
        get
        {
            lock (_lock)
            {
                return string.Join('\n', _lines);
            }
        }
    }

    public Task WaitForOutputAsync(string text, TimeSpan? timeout = null) =>
        _changed.WaitAsync(() => Output.Contains(text, StringComparison.Ordinal), timeout ?? TestTimeouts.Default, $"'{text}' in output: {Output}");

    public async Task<int> WaitForExitAsync(TimeSpan? timeout = null)
    {
        await _changed.WaitAsync(() => _process.HasExited, timeout ?? TestTimeouts.Default, $"process exit; output: {Output}");
        await _process.WaitForExitAsync();
        return _process.ExitCode;
    }

    private void Add(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lock)
        {
            _lines.Add(line);
        }

        _changed.Notify();
    }

    public ValueTask DisposeAsync() => _process.StopAndDisposeAsync();
}
