using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CommandGrid.Tests.Mqtt.Infrastructure;

/// <summary>
/// An MQTT.js client in a node process (tests/js/mqtt/client.js): commands go in as JSON lines,
/// events come back as JSON lines, and tests wait for the events they expect.
/// </summary>
public sealed class NodeMqttClient : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<JsonObject> _events = [];
    private readonly AsyncCondition _changed = new();
    private readonly Lock _lock = new();
    private readonly System.Text.StringBuilder _stderr = new();
    private int _nextId;
    private bool _exited;

    private NodeMqttClient(Process process)
    {
        _process = process;
    }

    public static async Task<NodeMqttClient> StartAsync(string url, object options)
    {
        await TestPaths.EnsureNodeModulesAsync();
        var config = JsonSerializer.Serialize(new { url, options });
        var info = new ProcessStartInfo("node")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = TestPaths.JsDirectory,
        };
        info.ArgumentList.Add(Path.Combine(TestPaths.JsDirectory, "mqtt", "client.js"));
        info.ArgumentList.Add(config);
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var client = new NodeMqttClient(process);
        process.OutputDataReceived += (_, e) => client.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (client._lock)
                {
                    client._stderr.AppendLine(e.Data);
                }
            }
        };
        process.Exited += (_, _) =>
        {
            client._exited = true;
            client._changed.Notify();
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return client;
    }

    /// <summary>Starts a client with the test application's credentials for <paramref name="clientId"/>.</summary>
    public static Task<NodeMqttClient> StartAsync(string url, string clientId, int protocolVersion, bool clean = true, object? properties = null, string password = TestMqttApplication.Password) =>
        StartAsync(url, new { clientId, username = clientId, password, protocolVersion, clean, properties, keepalive = 30 });

    public bool HasExited => _exited;

    public async Task<int> SendAsync(string op, object? arguments = null)
    {
        var id = Interlocked.Increment(ref _nextId);
        var command = JsonSerializer.SerializeToNode(arguments ?? new { })!.AsObject();
        command["op"] = op;
        command["id"] = id;
        await _process.StandardInput.WriteLineAsync(command.ToJsonString());
        await _process.StandardInput.FlushAsync();
        return id;
    }

    /// <summary>Waits for (and consumes) the first event named <paramref name="name"/> that satisfies <paramref name="match"/>.</summary>
    public async Task<JsonObject> WaitForAsync(string name, Func<JsonObject, bool>? match = null, TimeSpan? timeout = null)
    {
        JsonObject? found = null;
        bool Find()
        {
            lock (_lock)
            {
                found = _events.FirstOrDefault(e => (string?)e["event"] == name && (match is null || match(e)));
                if (found is not null)
                {
                    _events.Remove(found);
                }

                return found is not null;
            }
        }

        try
        {
            await _changed.WaitAsync(Find, timeout ?? TestTimeouts.Default, $"MQTT.js event '{name}'");
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}; events so far: {Describe()}", ex);
        }

        return found!;
    }

    public async Task<JsonObject> RequestAsync(string op, object arguments, string reply)
    {
        var id = await SendAsync(op, arguments);
        return await WaitForAsync(reply, e => (int?)e["id"] == id);
    }

    public bool Saw(string name)
    {
        lock (_lock)
        {
            return _events.Any(e => (string?)e["event"] == name);
        }
    }

    public string Describe()
    {
        lock (_lock)
        {
            return string.Join(" | ", _events.Select(e => e.ToJsonString())) + " stderr: " + _stderr;
        }
    }

    private void OnLine(string? line)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return;
        }

        JsonObject? parsed;
        try
        {
            parsed = JsonNode.Parse(line) as JsonObject;
        }
        catch (JsonException)
        {
            parsed = new JsonObject { ["event"] = "stdout", ["text"] = line };
        }

        if (parsed is not null)
        {
            lock (_lock)
            {
                _events.Add(parsed);
            }

            _changed.Notify();
        }
    }

    public ValueTask DisposeAsync() => _process.StopAndDisposeAsync();
}
