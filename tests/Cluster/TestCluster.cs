using CommandGrid.Gateway;
using CommandGrid.Runtime;
using CommandGrid.Runtime.Cluster;
using CommandGrid.Silo;
using CommandGrid.Tests.Infrastructure;

namespace CommandGrid.Tests.Cluster;

/// <summary>
/// What Orleans' TestingHost gives: N silos and M gateways in this process on loopback ports,
/// against a real PostgreSQL (a fresh schema per cluster). A silo can be killed without a clean
/// shutdown, cut off from the others, or restarted, and the cluster awaited until it settles.
/// Timings are short (heartbeat 0.25 s, death after 3 s) so failover tests run in seconds.
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    public static readonly TimeSpan DeathTimeout = TimeSpan.FromSeconds(3);

    private readonly Dictionary<string, string?> _settings;

    private TestCluster(TestStorage storage, Dictionary<string, string?> settings)
    {
        Storage = storage;
        _settings = settings;
    }

    public TestStorage Storage { get; }

    public List<ClusterNode> Silos { get; } = [];

    public List<ClusterNode> Gateways { get; } = [];

    public IEnumerable<ClusterNode> LiveSilos => Silos.Where(s => !s.Killed);

    public static async Task<TestCluster> StartAsync(int silos, int gateways, IDictionary<string, string?>? settings = null)
    {
        var storage = await TestStorage.CreatePostgresAsync();
        var all = new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "postgres",
            ["Storage:ConnectionString"] = storage.ConnectionString,
            ["Auth:JwtSecret"] = GridServer.Secret,
            ["Logging:LogLevel:Default"] = "Warning",
            ["Cluster:Enabled"] = "true",
            ["Cluster:ClusterId"] = "test",
            ["Cluster:SiloPort"] = "0",
            ["Cluster:AdvertisedHost"] = "127.0.0.1",
            ["Cluster:HeartbeatPeriod"] = "00:00:00.25",
            ["Cluster:RefreshPeriod"] = "00:00:00.25",
            ["Cluster:DeathTimeout"] = DeathTimeout.ToString(),
            ["Cluster:ExitWhenDeclaredDead"] = "false",
            ["Runtime:CallTimeout"] = "00:00:20",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }
        var cluster = new TestCluster(storage, all);
        try
        {
            // The first silo creates the schema; the rest can then start side by side.
            cluster.Silos.Add(await cluster.StartSiloAsync(0));
            cluster.Silos.AddRange(await Task.WhenAll(Enumerable.Range(1, silos - 1).Select(i => cluster.StartSiloAsync(i))));
            cluster.Gateways.AddRange(await Task.WhenAll(Enumerable.Range(0, gateways).Select(cluster.StartGatewayAsync)));
            await cluster.WaitSettledAsync();
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    /// <summary>Starts a silo (the real SiloApp, doors included); <paramref name="extra"/> overrides settings for it alone.</summary>
    public Task<ClusterNode> StartSiloAsync(int index, IDictionary<string, string?>? extra = null) =>
        ClusterNode.StartAsync(a => SiloApp.Build(a), MemberRole.Silo, $"silo{index}", Args($"silo{index}", extra));

    public Task<ClusterNode> StartGatewayAsync(int index) =>
        ClusterNode.StartAsync(a => GatewayApp.Build(a), MemberRole.Gateway, $"gateway{index}", Args($"gateway{index}", null));

    /// <summary>A crash: heartbeats stop, the listener closes and every connection drops, and it never says goodbye.</summary>
    public async Task KillSiloAsync(int index)
    {
        var silo = Silos[index];
        silo.Killed = true;
        silo.Service<ClusterTransport>().Kill();
        await silo.Membership.KillAsync();
        // Release its ports and threads; the membership row stays as the crash left it.
        _ = Task.Run(async () =>
        {
            try
            {
                using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await silo.App.StopAsync(stop.Token);
                await silo.App.DisposeAsync();
            }
            catch (Exception)
            {
                // A crashed silo does not get to clean up properly anyway.
            }
        });
    }

    /// <summary>
    /// A network cut: the silo's cluster connections drop, its listener closes and it cannot reach the
    /// membership table — yet it keeps running and its grain storage still answers (the worst case for stale writes).
    /// </summary>
    public void CutOff(int index)
    {
        var silo = Silos[index];
        silo.Killed = true;
        silo.Service<ClusterTransport>().Kill();
        silo.Membership.Table.Unreachable = true;
    }

    /// <summary>Heals a cut: the silo reaches the membership table again (and finds itself dead).</summary>
    public void Heal(int index) => Silos[index].Membership.Table.Unreachable = false;

    /// <summary>Replaces silo <paramref name="index"/> (killing it if it still runs) by a new incarnation.</summary>
    public async Task<ClusterNode> RestartSiloAsync(int index)
    {
        if (!Silos[index].Killed)
        {
            await KillSiloAsync(index);
        }
        Silos[index] = await StartSiloAsync(index);
        return Silos[index];
    }

    /// <summary>Waits until every live member sees exactly the live silos as the active ones.</summary>
    public async Task WaitSettledAsync(TimeSpan? timeout = null)
    {
        await Eventually.TrueAsync(() =>
        {
            var expected = LiveSilos.Select(s => s.MemberId).Order(StringComparer.Ordinal).ToArray();
            return LiveSilos.Concat(Gateways).All(n => n.Membership.Snapshot.ActiveSilos.SequenceEqual(expected));
        }, timeout ?? TimeSpan.FromSeconds(30), "every member sees the same active silos");
    }

    /// <summary>The live silo that owns <paramref name="id"/> in the (settled) ring.</summary>
    public ClusterNode OwnerOf(GrainId id)
    {
        var owner = Gateways.Concat(LiveSilos).First().Membership.Snapshot.Ring.OwnerOf(id);
        return LiveSilos.Single(s => s.MemberId == owner);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Gateways.Concat(Silos.Where(s => !s.Killed)).Reverse())
        {
            try
            {
                using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await node.App.StopAsync(stop.Token);
            }
            catch (Exception)
            {
                // Disposal goes on for the others.
            }
            await node.App.DisposeAsync();
        }
        foreach (var silo in Silos.Where(s => s.Killed))
        {
            try
            {
                await silo.App.DisposeAsync();
            }
            catch (Exception)
            {
                // Already disposed by the kill.
            }
        }
    }

    private List<string> Args(string name, IDictionary<string, string?>? extra)
    {
        var args = new List<string> { "--urls=http://127.0.0.1:0", $"--Cluster:MemberName={name}", "--Mqtt:Address=127.0.0.1", "--Mqtt:Port=0" };
        var settings = new Dictionary<string, string?>(_settings);
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }
        args.AddRange(settings.Select(kv => $"--{kv.Key}={kv.Value}"));
        return args;
    }
}
