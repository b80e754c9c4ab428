using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CommandGrid.Tests.Grid;
using CommandGrid.Tests.Infrastructure;
using Npgsql;
using Xunit;
using Xunit.Abstractions;

namespace CommandGrid.Tests.Cluster;

/// <summary>Cluster tests start real processes: they run one at a time, after nothing else competes for the two cores.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessClusterCollection
{
    public const string Name = "ProcessCluster";
}

/// <summary>
/// A real cluster as an operator runs it: silo processes on Orleans' ADO.NET clustering and
/// standalone gateway processes (Orleans clients), all on free loopback ports and on one fresh
/// PostgreSQL schema. Started means: every /health answers, every silo is Active in the
/// membership table, and a command round trip works through every gateway. Each process's
/// output goes to a log file; the tails are written into the test output unless the test
/// called <see cref="Passed"/>.
/// </summary>
public sealed class ProcessCluster : IAsyncDisposable
{
    public const string Secret = GridServer.Secret;

    /// <summary>Orleans' SiloStatus values as stored in cg_membership.status.</summary>
    public const int Active = 3;
    public const int Dead = 6;

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    private readonly ITestOutputHelper _output;
    private readonly HttpClient _probe = new() { Timeout = TimeSpan.FromSeconds(5) };
    private bool _passed;

    private readonly ScratchFolder _logs;

    private ProcessCluster(ITestOutputHelper output, TestStorage storage, string clusterId, ScratchFolder logs)
    {
        _output = output;
        Storage = storage;
        ClusterId = clusterId;
        _logs = logs;
        // Mutual TLS between every silo and gateway, as scripts/cluster.sh runs it: one node certificate of a cluster CA.
        ClusterCa = TestCertificateAuthority.Create("CommandGrid test cluster CA");
        using var node = ClusterCa.IssueNode();
        NodePem = TestCertificateAuthority.WritePem(node, logs, "node");
        _clusterTls =
        [
            $"--Cluster:Tls:Certificate:Path={NodePem.Certificate}",
            $"--Cluster:Tls:Certificate:KeyPath={NodePem.Key}",
            $"--Cluster:Tls:CaPath={ClusterCa.WriteCertificate(logs, "cluster-ca")}",
        ];
    }

    private readonly string[] _clusterTls;

    /// <summary>The CA of the cluster's TLS, and the certificate every node presents.</summary>
    public TestCertificateAuthority ClusterCa { get; }

    public (string Certificate, string Key) NodePem { get; }

    /// <summary>Each silo's Orleans gateway port (where gateways connect), by silo index.</summary>
    public List<int> SiloGatewayPorts { get; } = [];

    public TestStorage Storage { get; }

    public string ClusterId { get; }

    public string LogDirectory => _logs.Path;

    public List<GridProcess> Silos { get; } = [];

    public List<GridProcess> Gateways { get; } = [];

    public IEnumerable<GridProcess> All => Silos.Concat(Gateways);

    /// <param name="siloSettings">Extra silo configuration ("Cluster:Membership:ProbeTimeout" = "00:00:01"); none by default, to measure the product's own timings.</param>

    public static async Task<ProcessCluster> StartAsync(ITestOutputHelper output, int silos = 3, int gateways = 2, IDictionary<string, string>? siloSettings = null)
    {
        var storage = await TestStorage.CreatePostgresAsync();
        var clusterId = "c" + Guid.NewGuid().ToString("N")[..10];
        var cluster = new ProcessCluster(output, storage, clusterId, ScratchFolder.Create());
        var started = Stopwatch.StartNew();
        try
        {
            // Each silo applies the membership schema itself, before it joins: the fresh schema is the test of that.
            for (var i = 0; i < silos; i++)
            {
                cluster.Silos.Add(cluster.StartSilo(i, siloSettings));
            }
            for (var i = 0; i < gateways; i++)
            {
                cluster.Gateways.Add(cluster.StartGateway(i));
            }
            await cluster.WaitReadyAsync();
            output.WriteLine($"cluster {clusterId} ({silos} silos, {gateways} gateways, {GridProcess.Configuration} build) ready in {started.Elapsed.TotalSeconds:0.0} s; logs in {cluster.LogDirectory}");
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private GridProcess StartSilo(int index, IDictionary<string, string>? settings)
    {
        var http = GridProcess.FreePort();
        var gatewayPort = GridProcess.FreePort();
        SiloGatewayPorts.Add(gatewayPort);
        var arguments = new List<string>
        {
            "--Storage:Provider=postgres",
            $"--Storage:ConnectionString={Storage.ConnectionString}",
            "--Cluster:Enabled=true",
            $"--Cluster:ClusterId={ClusterId}",
            $"--Cluster:MemberName=silo{index}",
            $"--Cluster:SiloPort={GridProcess.FreePort()}",
            $"--Cluster:GatewayPort={gatewayPort}",
            $"--urls=http://127.0.0.1:{http}",
            "--Mqtt:Enabled=false",
            $"--Auth:JwtSecret={Secret}",
        };
        arguments.AddRange(_clusterTls);
        arguments.AddRange((settings ?? new Dictionary<string, string>()).Select(kv => $"--{kv.Key}={kv.Value}"));
        return GridProcess.Start($"silo{index}", GridProcess.SiloDll, arguments, http, null, LogDirectory);
    }

    private GridProcess StartGateway(int index)
    {
        var http = GridProcess.FreePort();
        var mqtt = GridProcess.FreePort();
        var arguments = new List<string>
        {
            $"--Storage:ConnectionString={Storage.ConnectionString}",
            $"--Cluster:ClusterId={ClusterId}",
            $"--urls=http://127.0.0.1:{http}",
            "--Mqtt:Address=127.0.0.1",
            $"--Mqtt:Port={mqtt}",
            $"--Auth:JwtSecret={Secret}",
        };
        arguments.AddRange(_clusterTls);
        return GridProcess.Start($"gateway{index}", GridProcess.GatewayDll, arguments, http, mqtt, LogDirectory);
    }

    private async Task WaitReadyAsync()
    {
        foreach (var process in All)
        {
            await Eventually.TrueAsync(async () =>
            {
                if (!process.IsRunning)
                {
                    throw new InvalidOperationException($"{process.Name} exited during start-up; see its log.");
                }
                return await process.HealthyAsync(_probe);
            }, StartTimeout, $"{process.Name} answers /health");
        }
        await Eventually.TrueAsync(async () => (await MembershipAsync()).Count(m => m.Status == Active) >= Silos.Count,
            StartTimeout, "every silo is Active in the membership table");
        // A command round trip through every gateway, read back through the other one.
        for (var g = 0; g < Gateways.Count; g++)
        {
            using var client = Client(g);
            using var other = Client((g + 1) % Gateways.Count);
            var thing = GridServer.NewId("ready");
            await Eventually.TrueAsync(async () =>
            {
                try
                {
                    var put = await client.PutAsJsonAsync($"/api/v1/things/{thing}", new { name = thing });
                    if (!put.IsSuccessStatusCode)
                    {
                        return false;
                    }
                    var created = await client.PostAsJsonAsync("/api/v1/commands", new { thingId = thing, action = "ready", ttl = 60 });
                    if (created.StatusCode != HttpStatusCode.Created)
                    {
                        return false;
                    }
                    var id = (string)(await created.Content.ReadFromJsonAsync<JsonObject>())!["executionId"]!;
                    var (status, body) = await other.SendAsync(HttpMethod.Get, $"/api/v1/commands/{id}");
                    return status == HttpStatusCode.OK && (string?)body["status"] == "PENDING";
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    return false;
                }
            }, StartTimeout, $"a command round trip through gateway{g} works");
        }
    }

    /// <summary>An HttpClient on gateway <paramref name="gateway"/> with a bearer token (default: user 1, everything).</summary>
    public HttpClient Client(int gateway, string? token = null) => ClientOn(Gateways[gateway], token);

    public static HttpClient ClientOn(GridProcess process, string? token = null)
    {
        var client = new HttpClient { BaseAddress = process.BaseUri, Timeout = TimeSpan.FromSeconds(90) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token ?? GridServer.Token());
        return client;
    }

    /// <summary>kill -9 of silo <paramref name="index"/>; returns when it was sent.</summary>
    public DateTimeOffset KillHard(int index) => Silos[index].KillHard();

    public sealed record Member(string SiloName, int Generation, int Status, DateTimeOffset IAmAlive);

    /// <summary>The cluster's rows in Orleans' membership table (storage/Clustering/postgres-clustering.sql).</summary>
    public async Task<IReadOnlyList<Member>> MembershipAsync()
    {
        await using var connection = new NpgsqlConnection(Storage.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT silo_name, generation, status, i_am_alive_time FROM cg_membership WHERE deployment_id = @cluster", connection);
        command.Parameters.AddWithValue("cluster", ClusterId);
        var members = new List<Member>();
        try
        {
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                members.Add(new Member(reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetFieldValue<DateTimeOffset>(3)));
            }
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            // No silo has applied the clustering schema yet.
        }
        return members;
    }

    /// <summary>
    /// Polls the membership table until the newest incarnation of silo <paramref name="index"/>
    /// is Dead; returns when that was first seen (at most one poll interval late).
    /// </summary>
    public async Task<DateTimeOffset> WaitDeclaredDeadAsync(int index, TimeSpan timeout)
    {
        var name = $"silo{index}";
        DateTimeOffset? seen = null;
        await Eventually.TrueAsync(async () =>
        {
            var rows = (await MembershipAsync()).Where(m => m.SiloName == name).OrderByDescending(m => m.Generation).ToList();
            if (rows.Count > 0 && rows[0].Status == Dead)
            {
                seen = DateTimeOffset.UtcNow;
                return true;
            }
            return false;
        }, timeout, $"{name} is declared Dead in the membership table");
        return seen!.Value;
    }

    /// <summary>Keeps the process logs out of the test output, and off the disk once the processes are gone.</summary>
    public void Passed() => _passed = true;

    public void WriteLogTails(int lines = 150)
    {
        foreach (var process in All)
        {
            try
            {
                _output.WriteLine($"===== {process.Name} (pid {process.Pid}, running: {process.IsRunning}) — last {lines} lines of {process.LogPath}");
                _output.WriteLine(process.Tail(lines));
            }
            catch (Exception e) when (e is IOException or InvalidOperationException)
            {
                _output.WriteLine($"(log of {process.Name} unreadable: {e.Message})");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Gateways first, then the silos, each with a clean leave when it still can.
        await Task.WhenAll(Gateways.Select(g => g.StopAsync(TimeSpan.FromSeconds(10))));
        await Task.WhenAll(Silos.Select(s => s.StopAsync(TimeSpan.FromSeconds(15))));
        if (!_passed)
        {
            WriteLogTails();
            _output.WriteLine($"logs kept in {_logs.Keep()}");
        }
        foreach (var process in All)
        {
            await process.DisposeAsync();
        }
        _logs.Dispose();
        _probe.Dispose();
        ClusterCa.Dispose();
    }
}
