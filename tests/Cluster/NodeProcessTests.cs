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
            if (!passed)
            {
                folder.Keep();
                output.WriteLine($"===== node log {node.LogPath} (kept)");
                output.WriteLine(node.Tail(200));
            }
        }
    }
}
