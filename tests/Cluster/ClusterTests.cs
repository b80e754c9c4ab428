using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using CommandGrid.Grains.Interfaces;
using CommandGrid.Tests.Grid;
using CommandGrid.Tests.Infrastructure;
using CommandGrid.Tests.Mqtt.Infrastructure;
using CommandGrid.Tests.WebSockets;
using Xunit;
using Xunit.Abstractions;

namespace CommandGrid.Tests.Cluster;

/// <summary>
/// A real cluster of processes (3 silos on Orleans' ADO.NET clustering, 2 standalone gateways)
/// on PostgreSQL, through its real doors, with silos killed by SIGKILL. Membership timings are
/// the product's own unless a test says otherwise: measuring them is part of the point.
/// </summary>
[Collection(ProcessClusterCollection.Name)]
public sealed class ClusterTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Cluster_CommandThroughGateway2ReachesDeviceOnGateway1AndNotifiesCreator()
    {
        await using var cluster = await ProcessCluster.StartAsync(output);
        await AssertOperationsAsync(cluster.Gateways[0], "gateway");
        await AssertOperationsAsync(cluster.Silos[0], "silo");
        await AssertMutualTlsAsync(cluster);
        var thing = GridServer.NewId("dev");
        var gateway1 = cluster.Gateways[0];
        var gateway2 = cluster.Gateways[1];
        using (var rest2 = cluster.Client(1))
        {
            await rest2.RegisterThingAsync(thing);
        }

        await using var device = await NodeMqttClient.StartAsync($"mqtt://127.0.0.1:{gateway1.MqttPort}", new
        {
            clientId = thing,
            username = thing,
            password = GridServer.Token(userId: 0, actions: [5, 8], devices: [thing]),
            protocolVersion = 5,
            clean = true,
        });
        await device.WaitForAsync("connect");
        await device.RequestAsync("subscribe", new { topic = $"$emqx/commands/things/{thing}/executions/+/request", qos = 1 }, "subscribed");

        await using var creator = await WsClient.ConnectAsync(gateway2.WebSocketUri);
        await creator.OkAsync(new JsonObject { ["action"] = "authenticate", ["token"] = GridServer.Token() });
        var id = await InsertCommandAsync(creator, thing);

        await device.WaitForAsync("message", m => ((string)m["topic"]!).EndsWith($"/executions/{id}/request", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        await device.RequestAsync("publish", new
        {
            topic = $"$emqx/commands/things/{thing}/executions/{id}/response",
            payload = "{\"status\":\"SUCCEEDED\",\"result\":{\"rebooted\":true}}",
            qos = 1,
        }, "published");

        var update = await creator.WaitForPushAsync("command/update",
            p => (long?)p["command"]?["id"] == id && (string?)p["command"]?["status"] == "SUCCEEDED", TimeSpan.FromSeconds(30));
        Assert.True((bool)update["command"]!["result"]!["rebooted"]!);
        using var rest1 = cluster.Client(0);
        Assert.Equal("SUCCEEDED", (string)(await rest1.GetCommandAsync(id.ToString(CultureInfo.InvariantCulture)))["status"]!);

        // Nobody watched the fleet-wide feed, so the silos that ran these commands were told to keep its events to
        // themselves. A watcher that subscribes now still gets every later command, from whichever silo runs it.
        for (var i = 0; i < 6; i++)
        {
            await InsertCommandAsync(creator, thing);
        }
        await using var watcher = await WsClient.ConnectAsync(gateway1.WebSocketUri);
        await watcher.OkAsync(new JsonObject { ["action"] = "authenticate", ["token"] = GridServer.Token() });
        await watcher.OkAsync(new JsonObject { ["action"] = "command/subscribe" });
        for (var i = 0; i < 6; i++)
        {
            var later = await InsertCommandAsync(creator, thing);
            await watcher.WaitForPushAsync("command/insert", p => (long?)p["command"]?["id"] == later, TimeSpan.FromSeconds(30));
        }
        cluster.Passed();
    }

    private static async Task<long> InsertCommandAsync(WsClient client, string thing) =>
        (long)(await client.OkAsync(new JsonObject
        {
            ["action"] = "command/insert",
            ["deviceId"] = thing,
            ["command"] = new JsonObject { ["command"] = "reboot", ["lifetime"] = 60 },
        }))["command"]!["id"]!;

    private sealed record Attempt(int Number, string Thing, int Gateway, int Ttl, DateTimeOffset Started, DateTimeOffset Ended, HttpStatusCode? Status, string? Id, string? Error)
    {
        public string Action => $"load{Number}";

        public TimeSpan Latency => Ended - Started;
    }

    [Fact]
    public async Task Cluster_KillingASiloUnderLoadLosesNoAcknowledgedCommand()
    {
        const int Total = 300;
        const int Writers = 8;
        const int KillAfterAcknowledged = 90;
        const int Victim = 1;
        // Load pacing (not a wait for a condition): about 300 creates over some 25 s, so that
        // creation goes on well past the death declaration.
        var pace = TimeSpan.FromMilliseconds(650);

        await using var cluster = await ProcessCluster.StartAsync(output);
        var answered = Enumerable.Range(0, 6).Select(_ => GridServer.NewId("ans")).ToList();
        var silent = Enumerable.Range(0, 6).Select(_ => GridServer.NewId("sil")).ToList();
        var things = answered.Concat(silent).ToList();
        using (var setup = cluster.Client(0))
        {
            foreach (var thing in things)
            {
                await setup.RegisterThingAsync(thing);
            }
        }
        var devices = new List<AnsweringDevice>();
        for (var i = 0; i < answered.Count; i++)
        {
            devices.Add(await AnsweringDevice.StartAsync(cluster.Gateways[i % 2], answered[i]));
        }

        var attempts = new ConcurrentBag<Attempt>();
        var acknowledged = 0;
        var next = 0;
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            var gateway = w % 2;
            using var client = cluster.Client(gateway);
            client.Timeout = TimeSpan.FromSeconds(60);
            var random = new Random(w);
            int number;
            while ((number = Interlocked.Increment(ref next)) <= Total)
            {
                var thing = things[random.Next(things.Count)];
                var ttl = random.Next(3, 9);
                var started = DateTimeOffset.UtcNow;
                try
                {
                    using var response = await client.PostAsJsonAsync("/api/v1/commands", new { thingId = thing, action = $"load{number}", ttl });
                    var text = await response.Content.ReadAsStringAsync();
                    string? id = null;
                    if (response.StatusCode == HttpStatusCode.Created)
                    {
                        id = (string)JsonNode.Parse(text)!["executionId"]!;
                        Interlocked.Increment(ref acknowledged);
                    }
                    attempts.Add(new Attempt(number, thing, gateway, ttl, started, DateTimeOffset.UtcNow, response.StatusCode, id, id is null ? text : null));
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    attempts.Add(new Attempt(number, thing, gateway, ttl, started, DateTimeOffset.UtcNow, null, null, e.GetType().Name + ": " + e.Message));
                }
                var rest = pace - (DateTimeOffset.UtcNow - started);
                if (rest > TimeSpan.Zero)
                {
                    await Task.Delay(rest);
                }
            }
        })).ToList();

        await Eventually.TrueAsync(() => Volatile.Read(ref acknowledged) >= KillAfterAcknowledged || writers.All(w => w.IsCompleted),
            TimeSpan.FromSeconds(120), $"{KillAfterAcknowledged} commands are acknowledged before the kill");
        Assert.True(Volatile.Read(ref next) < Total, "the load ended before the kill: slow it down");
        var killedAt = cluster.KillHard(Victim);
        var atKill = Volatile.Read(ref acknowledged);
        output.WriteLine($"{cluster.Silos[Victim].Name} killed at {killedAt:HH:mm:ss.fff} after {atKill} acknowledgements");
        var declared = cluster.WaitDeclaredDeadAsync(Victim, TimeSpan.FromSeconds(120));
        await Task.WhenAll(writers);
        var declaredAt = await declared;
        var writersDoneAt = DateTimeOffset.UtcNow;

        var all = attempts.OrderBy(a => a.Number).ToList();
        var acked = all.Where(a => a.Id is not null).ToList();
        var failed = all.Where(a => a.Id is null).ToList();
        foreach (var failure in failed)
        {
            output.WriteLine($"create {failure.Number} on gateway{failure.Gateway} ({failure.Started:HH:mm:ss.fff}, {ClusterKit.Seconds(failure.Latency)}) failed: {failure.Status} {failure.Error}");
        }

        // Every acknowledged command is readable and reaches a final status.
        var final = new ConcurrentDictionary<string, JsonObject>();
        var missing = new ConcurrentDictionary<string, HttpStatusCode>();
        using (var reader0 = cluster.Client(0))
        using (var reader1 = cluster.Client(1))
        {
            try
            {
                await Eventually.TrueAsync(async () =>
                {
                    await Parallel.ForEachAsync(acked.Where(a => !final.ContainsKey(a.Id!)), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (a, _) =>
                    {
                        var (status, body) = await ClusterKit.ReadAsync(a.Number % 2 == 0 ? reader0 : reader1, a.Id!);
                        if (status == HttpStatusCode.OK)
                        {
                            missing.TryRemove(a.Id!, out HttpStatusCode _);
                            if (ClusterKit.IsFinal(body))
                            {
                                final[a.Id!] = body;
                            }
                        }
                        else
                        {
                            missing[a.Id!] = status;
                        }
                    });
                    return final.Count == acked.Count;
                }, TimeSpan.FromSeconds(120), "every acknowledged command is readable and final");
            }
            catch (TimeoutException)
            {
                foreach (var a in acked.Where(a => !final.ContainsKey(a.Id!)))
                {
                    var (status, body) = await ClusterKit.ReadAsync(reader0, a.Id!);
                    output.WriteLine($"NOT FINAL: command {a.Id} (create {a.Number}, {a.Thing}, ttl {a.Ttl}, acknowledged {a.Ended:HH:mm:ss.fff} by gateway{a.Gateway}): {(int)status} {body.ToJsonString()}");
                }
                throw;
            }
        }
        var allFinalAt = DateTimeOffset.UtcNow;

        // No duplicates: every create has a unique action, so each appears at most once per thing;
        // every acknowledged one is listed; anything else listed is a create whose answer was lost.
        var duplicates = new List<string>();
        var unlisted = new List<string>();
        var unacknowledgedStored = 0;
        using (var lister = cluster.Client(1))
        {
            foreach (var thing in things)
            {
                var listed = (await lister.ListAllAsync($"thingId={thing}", 100))
                    .Where(c => ((string?)c["action"])?.StartsWith("load", StringComparison.Ordinal) == true).ToList();
                duplicates.AddRange(listed.GroupBy(c => (string)c["action"]!).Where(g => g.Count() > 1)
                    .Select(g => $"{thing} {g.Key}: {string.Join(", ", g.Select(c => (string?)c["executionId"]))}"));
                var listedIds = listed.Select(c => (string)c["executionId"]!).ToHashSet();
                unlisted.AddRange(acked.Where(a => a.Thing == thing && !listedIds.Contains(a.Id!)).Select(a => a.Id!));
                var failedActions = failed.Where(a => a.Thing == thing).Select(a => a.Action).ToHashSet();
                unacknowledgedStored += listed.Count(c => failedActions.Contains((string)c["action"]!));
                Assert.True(listed.Count <= all.Count(a => a.Thing == thing), $"{thing}: {listed.Count} executions listed for {all.Count(a => a.Thing == thing)} creates");
            }
        }

        // Figures.
        var detection = declaredAt - killedAt;
        var afterKill = all.Where(a => a.Started >= killedAt).ToList();
        var firstSuccessPerThing = afterKill.Where(a => a.Id is not null).GroupBy(a => a.Thing).ToDictionary(g => g.Key, g => g.Min(a => a.Ended));
        var allThingsAgain = things.All(firstSuccessPerThing.ContainsKey) ? firstSuccessPerThing.Values.Max() - killedAt : (TimeSpan?)null;
        var firstAgain = afterKill.Where(a => a.Id is not null).Select(a => a.Ended).DefaultIfEmpty(writersDoneAt).Min() - killedAt;
        var slow = all.Where(a => a.Latency > TimeSpan.FromSeconds(1)).ToList();
        var lastSlowOrFailedEnd = all.Where(a => a.Id is null || a.Latency > TimeSpan.FromSeconds(1)).Select(a => a.Ended).DefaultIfEmpty(killedAt).Max() - killedAt;
        var silentTimedOut = final.Values.Where(c => silent.Contains((string)c["thingId"]!)).ToList();
        var lateness = silentTimedOut.Select(c => FleetsApi.ReachedAt(c, CommandStatus.TimedOut) is { } at ? at - FleetsApi.Time(c["expiresAt"]) : TimeSpan.Zero).ToList();
        var statusCounts = string.Join(", ", final.Values.GroupBy(c => (string)c["status"]!).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}"));
        var figures = new List<string>
        {
            $"membership: {ClusterKit.MembershipInEffect}",
            $"load: {all.Count} creates through 2 gateways ({Writers} writers), ttl 3-8 s, {things.Count} things ({answered.Count} with WebSocket devices answering SUCCEEDED); " +
                $"{acked.Count} acknowledged (201), {failed.Count} failed, {unacknowledgedStored} of the failed ones stored anyway; {atKill} acknowledged at the kill",
            $"kill -9 of silo{Victim} -> declared Dead in the membership table: {ClusterKit.Seconds(detection)}",
            $"kill -> first create started after the kill acknowledged: {ClusterKit.Seconds(firstAgain)}; " +
                $"-> creates acknowledged again on every thing: {(allThingsAgain is { } t ? ClusterKit.Seconds(t) : "not on every thing")}; " +
                $"-> end of the last failed or >1 s create: {ClusterKit.Seconds(lastSlowOrFailedEnd)}",
            $"creates slower than 1 s: {slow.Count}, longest {ClusterKit.Seconds(all.Max(a => a.Latency))}; median {ClusterKit.Seconds(all.Select(a => a.Latency).Order().ElementAt(all.Count / 2))}",
            $"kill -> every acknowledged command final (seen by polling): {ClusterKit.Seconds(allFinalAt - killedAt)} (load ended {ClusterKit.Seconds(writersDoneAt - killedAt)} after the kill)",
            $"final statuses: {statusCounts}; devices answered {devices.Sum(d => d.Answered)}",
            $"TIMED_OUT lateness past expiresAt (silent things): max {ClusterKit.Seconds(lateness.DefaultIfEmpty().Max())}, " +
                $"over 1 s: {lateness.Count(l => l > TimeSpan.FromSeconds(1))} of {lateness.Count}",
        };
        foreach (var line in figures)
        {
            output.WriteLine(line);
        }
        ClusterKit.Report("Cluster_KillingASiloUnderLoadLosesNoAcknowledgedCommand", figures);
        foreach (var thing in answered)
        {
            string Count(IEnumerable<Attempt> some) => string.Join(" ", some.GroupBy(a => (string)final[a.Id!]["status"]!).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}"));
            var mine = acked.Where(a => a.Thing == thing).ToList();
            var timeline = string.Join(" ", mine.Where(a => a.Ended >= killedAt).OrderBy(a => a.Ended)
                .Select(a => $"{((string)final[a.Id!]["status"]!)[0]}@{(a.Ended - killedAt).TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)}"));
            output.WriteLine($"device {thing} on gateway{answered.IndexOf(thing) % 2}: before the kill {Count(mine.Where(a => a.Ended < killedAt))}; " +
                $"after {Count(mine.Where(a => a.Ended >= killedAt))}: {timeline} (S/T = SUCCEEDED/TIMED_OUT @ s after the kill the create was acknowledged)");
        }
        foreach (var device in devices)
        {
            await device.DisposeAsync();
        }

        Assert.True(acked.Count > KillAfterAcknowledged + 50, $"only {acked.Count} creates were acknowledged");
        Assert.True(missing.IsEmpty, $"acknowledged but not readable: {string.Join(", ", missing.Select(kv => $"{kv.Key} ({(int)kv.Value})"))}");
        Assert.True(duplicates.Count == 0, "duplicated executions: " + string.Join("; ", duplicates));
        Assert.True(unlisted.Count == 0, "acknowledged but not listed: " + string.Join(", ", unlisted));
        Assert.All(silentTimedOut, FleetsApi.AssertTimedOutUnanswered);
        Assert.All(final.Values, c => Assert.Contains((string)c["status"]!, new[] { CommandStatus.Succeeded, CommandStatus.TimedOut }));
        cluster.Passed();
    }

    [Fact]
    public Task Cluster_DeadSilosOverdueCommandsTimeOutOnceItIsDeclaredDead() =>
        OverdueOnceDeclaredDeadAsync(nameof(Cluster_DeadSilosOverdueCommandsTimeOutOnceItIsDeclaredDead), frozen: false);

    /// <summary>
    /// A frozen silo (SIGSTOP: its sockets stay open, its calls unanswered) is voted dead like a killed one, its
    /// commands' TTLs fire on the survivors, and when it thaws it learns it is dead and stops without changing
    /// any of them: each command stays final with the same history, and there is one execution per create.
    /// </summary>
    [Fact]
    public Task Cluster_FrozenSiloThawedAfterItsDeathChangesNothingItsSuccessorsWrote() =>
        OverdueOnceDeclaredDeadAsync(nameof(Cluster_FrozenSiloThawedAfterItsDeathChangesNothingItsSuccessorsWrote), frozen: true);

    private async Task OverdueOnceDeclaredDeadAsync(string name, bool frozen)
    {
        const int Victim = 1;
        const int Ttl = 6;
        const int Commands = 60;
        // What the figures count as on time; nothing asserts it.
        var tolerance = TimeSpan.FromSeconds(1);
        await using var cluster = await ProcessCluster.StartAsync(output);
        var things = Enumerable.Range(0, 10).Select(_ => GridServer.NewId("ovd")).ToList();
        using var client0 = cluster.Client(0);
        using var client1 = cluster.Client(1);
        foreach (var thing in things)
        {
            await client0.RegisterThingAsync(thing);
        }

        // Nobody answers: every command stays open until its TTL. About a third of their
        // reminders belong to the silo about to fail, which keeps them until it is declared dead.
        var created = await Task.WhenAll(Enumerable.Range(0, Commands).Select(i =>
            (i % 2 == 0 ? client0 : client1).CreateCommandAsync(new { thingId = things[i % things.Count], action = "overdue", ttl = Ttl })));
        var expiries = created.Select(c => FleetsApi.Time(c["expiresAt"])).ToList();
        var firstExpiry = expiries.Min();
        var lastExpiry = expiries.Max();

        // Fail it half a second before the first TTL: every TTL passes while the victim is gone, before its death is
        // declared (detection takes well over a second even on a quiet machine).
        await Eventually.TrueAsync(() => DateTimeOffset.UtcNow >= firstExpiry - TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(Ttl), "half a second before the first TTL");
        var failedAt = frozen ? cluster.Silos[Victim].Freeze() : cluster.KillHard(Victim);
        var how = frozen ? "SIGSTOP" : "kill -9";
        var declaredAt = await cluster.WaitDeclaredDeadAsync(Victim, TimeSpan.FromSeconds(120));

        var final = await ReadUntilFinalAsync(client0, created.Select(c => (string)c["executionId"]!).ToList());

        var timedOut = final.Values.Select(c => (Id: (string)c["executionId"]!, Expires: FleetsApi.Time(c["expiresAt"]), At: FleetsApi.ReachedAt(c, CommandStatus.TimedOut))).ToList();
        // Overdue at the declaration: due clearly before it and timed out only around or after it (their reminder was
        // on the lost silo); the others time out at their expiry, on the live silos. The declaration is seen by
        // polling the membership table, so "around" allows a quarter of a second.
        var overdue = timedOut.Where(t => t.Expires < declaredAt - TimeSpan.FromSeconds(0.3) && t.At > declaredAt - TimeSpan.FromSeconds(0.25)).ToList();
        var onTime = timedOut.Count(t => !overdue.Contains(t) && t.At <= t.Expires + tolerance);
        var lateBeforeDeclaration = timedOut.Count(t => t.At > t.Expires + tolerance && !overdue.Contains(t));
        var worstAfterDeclaration = overdue.Select(t => t.At!.Value - declaredAt).DefaultIfEmpty().Max();
        var figures = new List<string>
        {
            $"membership: {ClusterKit.MembershipInEffect}",
            $"{Commands} open commands, ttl {Ttl} s, expiring {ClusterKit.Seconds(firstExpiry - failedAt)} to {ClusterKit.Seconds(lastExpiry - failedAt)} after the {how} of silo{Victim}",
            $"{how} -> declared Dead: {ClusterKit.Seconds(declaredAt - failedAt)}",
            $"timed out on time (<= expiry + 1 s): {onTime}; late but before the declaration: {lateBeforeDeclaration}; " +
                $"overdue at the declaration (reminder on the lost silo): {overdue.Count}, " +
                $"timed out at most {ClusterKit.Seconds(worstAfterDeclaration)} after the declaration was seen",
        };
        foreach (var t in overdue)
        {
            output.WriteLine($"  {t.Id}: expired {ClusterKit.Seconds(t.Expires - failedAt)} after the {how}, TIMED_OUT {ClusterKit.Seconds(t.At!.Value - declaredAt)} after the declaration");
        }

        if (frozen)
        {
            // Thawed, it finds itself Dead in the membership table and stops; whatever it still held changes nothing stored.
            var thawedAt = cluster.Silos[Victim].Thaw();
            var exitCode = await cluster.Silos[Victim].WaitForExitAsync(TimeSpan.FromSeconds(120));
            figures.Add($"thawed {ClusterKit.Seconds(thawedAt - declaredAt)} after the declaration; it stopped by itself (exit code {exitCode})");
            var after = await ReadUntilFinalAsync(client1, [.. final.Keys]);
            Assert.All(final, kv => Assert.Equal(kv.Value.ToJsonString(), after[kv.Key].ToJsonString()));
            var executions = new List<string>();
            foreach (var thing in things)
            {
                executions.AddRange((await client1.ListAllAsync($"thingId={thing}", 50)).Select(c => (string)c["executionId"]!));
            }
            Assert.Equal(final.Keys.Order(), executions.Order());
        }
        foreach (var line in figures)
        {
            output.WriteLine(line);
        }
        ClusterKit.Report(name, figures);

        // Order and outcome: TTLs fell due while the victim was gone and not yet declared dead, and every command, those
        // whose reminder was on the lost silo included, ended TIMED_OUT, none before its expiry. How soon after the
        // declaration is a measurement (the figures above; bench/failover/run.sh collects them).
        Assert.True(timedOut.Any(t => t.Expires > failedAt && t.Expires < declaredAt),
            $"the death was declared {ClusterKit.Seconds(declaredAt - failedAt)} after the {how}, before any TTL fell due: the test exercised nothing");
        Assert.All(final.Values, FleetsApi.AssertTimedOutUnanswered);
        cluster.Passed();
    }

    private static async Task<Dictionary<string, JsonObject>> ReadUntilFinalAsync(HttpClient client, IReadOnlyCollection<string> ids)
    {
        var final = new Dictionary<string, JsonObject>();
        await Eventually.TrueAsync(async () =>
        {
            foreach (var command in ids.Where(id => !final.ContainsKey(id)))
            {
                var (status, body) = await ClusterKit.ReadAsync(client, command);
                if (status == HttpStatusCode.OK && ClusterKit.IsFinal(body))
                {
                    final[command] = body;
                }
            }
            return final.Count == ids.Count;
        }, TimeSpan.FromSeconds(90), "every command is final");
        return final;
    }

    // The operator pages of a standalone gateway (an Orleans client) and of a cluster silo: refused
    // without operator credentials, served with them; /health reports storage and membership.
    private static async Task AssertOperationsAsync(GridProcess process, string role)
    {
        using var anonymous = new HttpClient { BaseAddress = process.BaseUri };
        foreach (var path in new[] { "/dashboard/", "/console" })
        {
            var refused = await anonymous.GetAsync(path);
            Assert.True(refused.StatusCode == HttpStatusCode.Unauthorized, $"{role} {path} without a token: {(int)refused.StatusCode}");
        }
        using var userOnly = ProcessCluster.ClientOn(process, GridServer.Token(actions: [5]));
        Assert.Equal(HttpStatusCode.Forbidden, (await userOnly.GetAsync("/dashboard/")).StatusCode);
        using var operatorClient = ProcessCluster.ClientOn(process);
        var dashboard = await operatorClient.GetAsync("/dashboard/");
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
        Assert.Contains("Orleans", await dashboard.Content.ReadAsStringAsync());
        var health = await anonymous.GetAsync("/health");
        var body = await health.Content.ReadAsStringAsync();
        Assert.True(health.StatusCode == HttpStatusCode.OK, $"{role} /health: {(int)health.StatusCode} {body}");
        Assert.Contains("storage", body);
        Assert.Contains("membership", body);
    }

    /// <summary>
    /// The silos' Orleans ports speak TLS with the cluster's certificate, and close on a peer without a certificate of the
    /// cluster CA: the cluster's own traffic (which the rest of the test runs) is mutual TLS, not plain TCP.
    /// </summary>
    private static async Task AssertMutualTlsAsync(ProcessCluster cluster)
    {
        using var node = X509Certificate2.CreateFromPemFile(cluster.NodePem.Certificate, cluster.NodePem.Key);
        var port = cluster.SiloGatewayPorts[0];
        await using (var member = await TlsAsync(port, node))
        {
            Assert.Equal(node.Thumbprint, new X509Certificate2(member.RemoteCertificate!).Thumbprint);
        }

        using var foreignCa = TestCertificateAuthority.Create("Not the cluster CA");
        using var foreign = foreignCa.IssueNode();
        foreach (var stranger in new[] { null, foreign })
        {
            var closed = false;
            try
            {
                await using var tls = await TlsAsync(port, stranger);
                // TLS 1.3 finishes the client's side before the server has looked at its certificate: the refusal is the close.
                using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                closed = await tls.ReadAsync(new byte[64], deadline.Token) == 0;
            }
            catch (Exception ex) when (ex is System.Security.Authentication.AuthenticationException or IOException)
            {
                closed = true;
            }
            Assert.True(closed, $"a peer with {(stranger is null ? "no certificate" : "a foreign CA's certificate")} was let in");
        }
    }

    private static async Task<SslStream> TlsAsync(int port, X509Certificate2? clientCertificate)
    {
        var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "127.0.0.1",
            ClientCertificates = clientCertificate is null ? null : [clientCertificate],
        });
        return tls;
    }
}
