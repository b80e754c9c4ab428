using System.Net;
using System.Text.Json.Nodes;
using CommandGrid.Grains.Interfaces;
using CommandGrid.Tests.Grid;
using CommandGrid.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace CommandGrid.Tests.Cluster;

/// <summary>One node as a real process on its SQLite file, killed with SIGKILL and started again.</summary>
[Collection(ProcessClusterCollection.Name)]
public sealed class NodeProcessTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Node_KilledNodeRestartedAfterTtlsAreDueTimesThemOut()
    {
        const int Ttl = 4;
        const int Commands = 10;
        using var folder = ScratchFolder.Create();
        var http = GridProcess.FreePort();
        var arguments = new List<string>
        {
            "--Storage:Provider=sqlite",
            $"--Storage:ConnectionString=Data Source={folder.File("grid.db")}",
            $"--urls=http://127.0.0.1:{http}",
            $"--Cluster:SiloPort={GridProcess.FreePort()}",
            "--Mqtt:Address=127.0.0.1",
            $"--Mqtt:Port={GridProcess.FreePort()}",
            $"--Auth:JwtSecret={GridServer.Secret}",
        };
        await using var node = GridProcess.Start("node", GridProcess.SiloDll, arguments, http, null, folder.Path);
        var passed = false;
        try
        {
            using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            await Eventually.TrueAsync(() => node.HealthyAsync(probe), TimeSpan.FromSeconds(90), "the node answers /health");
            using var client = ProcessCluster.ClientOn(node);
            var thing = GridServer.NewId("node");
            await client.RegisterThingAsync(thing);
            var created = new List<JsonObject>();
            for (var i = 0; i < Commands; i++)
            {
                created.Add(await client.CreateCommandAsync(new { thingId = thing, action = $"a{i}", ttl = Ttl }));
            }
            var lastExpiry = created.Max(c => FleetsApi.Time(c["expiresAt"]));

            var killedAt = node.KillHard();
            Assert.True(killedAt < created.Min(c => FleetsApi.Time(c["expiresAt"])), "the node was killed only after the first TTL was due");
            // Restart once every TTL is due and one more second has passed: no reminder can have fired on time.
            await Eventually.TrueAsync(() => DateTimeOffset.UtcNow >= lastExpiry + TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(Ttl + 5), "every TTL is due, plus a second");
            var restartedAt = FleetsApi.Now();
            node.Restart();
            await Eventually.TrueAsync(() => node.HealthyAsync(probe), TimeSpan.FromSeconds(90), "the restarted node answers /health");
            var healthyAt = DateTimeOffset.UtcNow;

            var final = new Dictionary<string, JsonObject>();
            await Eventually.TrueAsync(async () =>
            {
                foreach (var id in created.Select(c => (string)c["executionId"]!).Where(id => !final.ContainsKey(id)))
                {
                    var (status, body) = await ClusterKit.ReadAsync(client, id);
                    if (status == HttpStatusCode.OK && ClusterKit.IsFinal(body))
                    {
                        final[id] = body;
                    }
                }
                return final.Count == Commands;
            }, TimeSpan.FromSeconds(30), "every command is final after the restart");
            var allFinalSeenAt = DateTimeOffset.UtcNow;

            var timedOutAt = final.Values.Select(c => FleetsApi.ReachedAt(c, CommandStatus.TimedOut)).ToList();
            var latest = timedOutAt.Max()!.Value;
            var figures = new[]
            {
                $"{Commands} commands, ttl {Ttl} s; kill -9; restart {ClusterKit.Seconds(node.StartedAt!.Value - lastExpiry)} after the last TTL; " +
                    $"/health answered {ClusterKit.Seconds(healthyAt - node.StartedAt!.Value)} after the restart",
                $"last TIMED_OUT {ClusterKit.Seconds(latest - healthyAt)} after /health answered (all final seen by polling {ClusterKit.Seconds(allFinalSeenAt - healthyAt)} after)",
            };
            foreach (var line in figures)
            {
                output.WriteLine(line);
            }
            ClusterKit.Report("Node_KilledNodeRestartedAfterTtlsAreDueTimesThemOut", figures);

            // The node was down from before the first TTL until after the last: the restarted node timed every one out.
            Assert.All(final.Values, FleetsApi.AssertTimedOutUnanswered);
            Assert.All(timedOutAt, at => Assert.True(at >= restartedAt, $"TIMED_OUT at {at:HH:mm:ss.fff}, before the restart at {restartedAt:HH:mm:ss.fff}"));
            passed = true;
        }
        finally
        {
            KeepLogIfFailed(passed, folder, node);
        }
    }

    /// <summary>
    /// A node started as a fresh clone starts it (no secret, no key ring, a new database, a new home) logs no warning
    /// or error through its start, a few browser requests and its stop; it says at Information why reminders may tick
    /// every second. Only the Orleans watchdog's start-up race (TestHostLogging.OrleansRaces) is filtered.
    /// </summary>
    [Fact]
    public async Task Node_FreshStartAndStopOfAnIdleNodeLogNoWarning()
    {
        using var folder = ScratchFolder.Create();
        var http = GridProcess.FreePort();
        var arguments = new List<string>
        {
            $"--Storage:ConnectionString=Data Source={folder.File("grid.db")}",
            $"--Auth:SecretFile={folder.File("data/jwt-secret")}",
            $"--urls=http://127.0.0.1:{http}",
            $"--Cluster:SiloPort={GridProcess.FreePort()}",
            "--Mqtt:Address=127.0.0.1",
            $"--Mqtt:Port={GridProcess.FreePort()}",
        };
        var home = Directory.CreateDirectory(folder.File("home")).FullName;
        await using var node = GridProcess.Start("fresh", GridProcess.SiloDll, arguments, http, null, folder.Path,
            logging: TestHostLogging.OrleansRaces, environment: new Dictionary<string, string> { ["HOME"] = home });
        var passed = false;
        try
        {
            using var probe = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(5) };
            probe.DefaultRequestHeaders.Accept.ParseAdd("text/html,application/xhtml+xml,*/*;q=0.8");
            await Eventually.TrueAsync(() => node.HealthyAsync(probe), TimeSpan.FromSeconds(90), "the node answers /health");
            await Eventually.TrueAsync(() => Task.FromResult(node.Logged("CommandGrid silo listening on")), TimeSpan.FromSeconds(30), "the node logs that it listens");
            foreach (var path in new[] { "/", "/console", "/login", "/favicon.ico" })
            {
                using var response = await probe.GetAsync(new Uri(node.BaseUri, path));
                Assert.True((int)response.StatusCode < 400, $"{path}: {(int)response.StatusCode}");
            }
            await node.StopAsync(TimeSpan.FromSeconds(30));
            Assert.True(node.Logged("process exited with code 0"), node.Tail(20));
            var log = File.ReadAllLines(node.LogPath);
            var loud = log.Where(line => line.Contains("warn: ", StringComparison.Ordinal) || line.Contains("fail: ", StringComparison.Ordinal)
                || line.Contains("crit: ", StringComparison.Ordinal) || line.Contains("Exception", StringComparison.Ordinal)).ToList();
            Assert.True(loud.Count == 0, "logged:\n" + string.Join("\n", loud));
            Assert.Contains(log, line => line.Contains("Reminders may tick every 00:00:01", StringComparison.Ordinal));
            passed = true;
        }
        finally
        {
            KeepLogIfFailed(passed, folder, node);
        }
    }

    private void KeepLogIfFailed(bool passed, ScratchFolder folder, GridProcess node)
    {
        if (!passed)
        {
            folder.Keep();
            output.WriteLine($"===== node log {node.LogPath} (kept)");
            output.WriteLine(node.Tail(200));
        }
    }
}
