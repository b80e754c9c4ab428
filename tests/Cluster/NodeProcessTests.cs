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
    public async Task Node_KilledNodeRestartedAfterTtlsAreDueTimesThemOutWithinASecond()
    {
        const int Ttl = 4;
        const int Commands = 10;
        var folder = Path.Combine(Path.GetTempPath(), "commandgrid-node-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var http = GridProcess.FreePort();
        var arguments = new List<string>
        {
            "--Storage:Provider=sqlite",
            $"--Storage:ConnectionString=Data Source={Path.Combine(folder, "grid.db")}",
            $"--urls=http://127.0.0.1:{http}",
            $"--Cluster:SiloPort={GridProcess.FreePort()}",
            "--Mqtt:Address=127.0.0.1",
            $"--Mqtt:Port={GridProcess.FreePort()}",
            $"--Auth:JwtSecret={GridServer.Secret}",
        };
        await using var node = GridProcess.Start("node", GridProcess.SiloDll, arguments, http, null, folder);
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

            var timedOutAt = final.Values.Select(c => ClusterKit.ReachedAt(c, CommandStatus.TimedOut)).ToList();
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
            ClusterKit.Report("Node_KilledNodeRestartedAfterTtlsAreDueTimesThemOutWithinASecond", figures);

            Assert.All(final.Values, c => Assert.Equal(CommandStatus.TimedOut, (string)c["status"]!));
            Assert.All(timedOutAt, at => Assert.True(at <= healthyAt + TimeSpan.FromSeconds(1),
                $"TIMED_OUT at {at:HH:mm:ss.fff}, /health answered at {healthyAt:HH:mm:ss.fff}"));
            passed = true;
        }
        finally
        {
            if (!passed)
            {
                output.WriteLine($"===== node log {node.LogPath}");
                output.WriteLine(node.Tail(200));
            }
        }
    }
}
