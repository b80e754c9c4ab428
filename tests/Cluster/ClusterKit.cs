using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using CommandGrid.Grains.Interfaces;
using CommandGrid.Tests.Grid;
using CommandGrid.Tests.Infrastructure;
using CommandGrid.Tests.WebSockets;

namespace CommandGrid.Tests.Cluster;

/// <summary>Helpers of the cluster tests: the measured figures' file, command reads, a device that answers.</summary>
internal static class ClusterKit
{
    /// <summary>What the silos run with when a test passes no override (silo/MembershipTimings.cs, gateway/GatewayApp.cs).</summary>
    public const string MembershipInEffect =
        "product defaults: ProbeTimeout=2s, NumMissedProbesLimit=2, NumVotesForDeathDeclaration=2, TableRefreshTimeout=5s, " +
        "IAmAliveTablePublishTimeout=10s, DeathVoteExpirationTimeout=30s (silo/MembershipTimings.cs); gateways GatewayListRefreshPeriod=2s, " +
        "Runtime:ResponseTimeout=10s, Runtime:CallTimeout=30s";

    /// <summary>Where bench/failover/run.sh wants the measured figures (COMMANDGRID_FAILOVER_REPORT); null in a plain test run.</summary>
    public static string? ReportPath => Environment.GetEnvironmentVariable("COMMANDGRID_FAILOVER_REPORT") is { Length: > 0 } path ? path : null;

    /// <summary>Writes (or replaces) this test's section of the figures file, when a benchmark asked for one.</summary>
    public static void Report(string section, IEnumerable<string> lines)
    {
        if (ReportPath is not { } reportPath)
        {
            return;
        }
        var sections = new List<(string Title, List<string> Lines)>();
        if (File.Exists(reportPath))
        {
            foreach (var line in File.ReadAllLines(reportPath))
            {
                if (line.StartsWith("## ", StringComparison.Ordinal))
                {
                    sections.Add((line[3..], []));
                }
                else if (sections.Count > 0)
                {
                    sections[^1].Lines.Add(line);
                }
            }
        }
        sections.RemoveAll(s => s.Title == section);
        sections.Add((section, [$"measured {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss}Z on {Environment.ProcessorCount} cores (load average {LoadAverage()})", .. lines, ""]));
        File.WriteAllLines(reportPath, sections.SelectMany(s => new[] { "## " + s.Title }.Concat(s.Lines)));
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "?";
        }
    }

    public static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + " s";

    /// <summary>GET /api/v1/commands/{id}: the status code and the body.</summary>
    public static Task<(HttpStatusCode Status, JsonObject Body)> ReadAsync(HttpClient client, string id) =>
        client.SendAsync(HttpMethod.Get, $"/api/v1/commands/{id}");

    public static bool IsFinal(JsonObject command) => (string?)command["status"] is { } s && CommandStatus.IsFinal(s);

    /// <summary>
    /// Registers the things through both gateways in turn, a bounded number at a time: a fleet of thousands in
    /// seconds without queueing thousands of requests on two cores.
    /// </summary>
    public static async Task RegisterThingsAsync(ProcessCluster cluster, IReadOnlyList<string> thingIds, Func<string, object> body, int parallelism = 32)
    {
        var clients = cluster.Gateways.Select((_, g) => cluster.Client(g)).ToList();
        try
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, thingIds.Count), new ParallelOptions { MaxDegreeOfParallelism = parallelism },
                async (i, _) => await clients[i % clients.Count].RegisterThingAsync(thingIds[i], body(thingIds[i])));
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }
}

/// <summary>
/// A DeviceHive device on a gateway's WebSocket: subscribed to its commands, it answers every
/// command pushed to it with SUCCEEDED (a late answer to an expired command is refused and ignored).
/// </summary>
internal sealed class AnsweringDevice : IAsyncDisposable
{
    private readonly WsClient _client;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _answered;
    private int _settled;

    private AnsweringDevice(WsClient client, string deviceId)
    {
        _client = client;
        DeviceId = deviceId;
        _loop = Task.Run(AnswerLoopAsync);
    }

    public string DeviceId { get; }

    public int Answered => _answered;

    /// <summary>Every command pushed to it so far (command/insert), in arrival order, repeats included.</summary>
    public IReadOnlyList<JsonObject> Pushed => [.. _client.Received.Where(IsPushedCommand).Select(m => m["command"]!.AsObject())];

    /// <summary>Whether every command pushed so far has had its answer's reply (or the answer was given up on).</summary>
    public bool Idle => Volatile.Read(ref _settled) == Pushed.Count;

    private static bool IsPushedCommand(JsonObject message) =>
        message["requestId"] is null && (string?)message["action"] == "command/insert" && message["command"] is JsonObject;

    public static async Task<AnsweringDevice> StartAsync(GridProcess gateway, string deviceId)
    {
        var client = await WsClient.ConnectAsync(gateway.WebSocketUri);
        await client.OkAsync(new JsonObject { ["action"] = "authenticate", ["token"] = GridServer.Token(devices: [deviceId]) });
        await client.OkAsync(new JsonObject { ["action"] = "command/subscribe", ["deviceId"] = deviceId });
        return new AnsweringDevice(client, deviceId);
    }

    private async Task AnswerLoopAsync()
    {
        var seen = 0;
        var answers = new List<Task>();
        while (!_stop.IsCancellationRequested && _client.Closed is { IsCompleted: false })
        {
            var received = _client.Received;
            for (; seen < received.Count; seen++)
            {
                if (IsPushedCommand(received[seen]) && received[seen]["command"]!["id"] is { } id)
                {
                    answers.Add(AnswerAsync((long)id));
                }
            }
            try
            {
                // Polling the client's own receive list: this only paces the loop, nothing waits on it.
                await Task.Delay(20, _stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }
        await Task.WhenAll(answers);
    }

    private async Task AnswerAsync(long id)
    {
        try
        {
            var reply = await _client.RequestAsync(new JsonObject
            {
                ["action"] = "command/update",
                ["deviceId"] = DeviceId,
                ["commandId"] = id,
                ["command"] = new JsonObject { ["status"] = "SUCCEEDED", ["result"] = new JsonObject { ["by"] = DeviceId } },
            });
            if ((string?)reply["status"] == "success")
            {
                Interlocked.Increment(ref _answered);
            }
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException or System.Net.WebSockets.WebSocketException or OperationCanceledException)
        {
            // Answers are best effort: an unanswered command times out, which the test accepts.
        }
        finally
        {
            Interlocked.Increment(ref _settled);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        await _client.DisposeAsync();
        _stop.Dispose();
    }
}
