using System.Diagnostics;

namespace CommandGrid.Tests.Mqtt.Infrastructure;

public static class TestPaths
{
    private static readonly Lazy<Task> NpmInstall = new(InstallNodeModulesAsync);

    public static string RepositoryRoot { get; } = FindRoot();

    public static string JsDirectory => Path.Combine(RepositoryRoot, "tests", "js");

    /// <summary>Makes sure the test clients (MQTT.js, ws, AWS's device SDK) are installed (once per test run), from the pinned lock file.</summary>
    public static Task EnsureNodeModulesAsync() => NpmInstall.Value;

    private static async Task InstallNodeModulesAsync()
    {
        if (new[] { "mqtt", "ws", "aws-iot-device-sdk" }.All(module => File.Exists(Path.Combine(JsDirectory, "node_modules", module, "package.json"))))
        {
            return;
        }

        var result = await ProcessRunner.RunAsync("npm", ["ci", "--no-audit", "--no-fund"], JsDirectory, TimeSpan.FromMinutes(5));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"npm ci failed: {result.StdErr}");
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CommandGrid.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("CommandGrid.sln not found above " + AppContext.BaseDirectory);
    }
}

public sealed record ProcessResult(int ExitCode, string StdOut, string StdErr);

public static class ProcessRunner
{
    /// <summary>Runs a program to completion (killing it at the deadline) and captures its output.</summary>
    public static async Task<ProcessResult> RunAsync(string fileName, IEnumerable<string> arguments, string? workingDirectory, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start " + fileName);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish within {timeout.TotalSeconds}s; output: {await stdout} {await stderr}");
        }

        return new ProcessResult(process.ExitCode, await stdout, await stderr);
    }
}

public static class ChildProcess
{
    /// <summary>Ends a test's helper process (and anything it started) and releases it.</summary>
    public static async ValueTask StopAndDisposeAsync(this Process process)
    {
        if (!process.HasExited)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Exited in between.
            }
        }

        await process.WaitForExitAsync();
        process.Dispose();
    }
}
