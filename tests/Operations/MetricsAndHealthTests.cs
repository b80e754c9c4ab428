using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using CommandGrid.Mqtt.Packets;
using CommandGrid.Tests.Grid;
using CommandGrid.Tests.Infrastructure;
using CommandGrid.Tests.Mqtt.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Xunit;

namespace CommandGrid.Tests.Operations;

/// <summary>
/// /metrics (Prometheus text) and /health on a real silo, read as a scraper and a script would. Each test has a silo of
/// its own, and a silo's metrics are its own (its meter factory's), so counts are exact while other tests run beside.
/// </summary>
public sealed class MetricsAndHealthTests : IAsyncLifetime
{
    private GridServer _server = null!;
    private HttpClient _rest = null!;

    public async Task InitializeAsync()
    {
        _server = await GridServer.StartAsync();
        _rest = _server.Client();
    }

    public async Task DisposeAsync()
    {
        _rest.Dispose();
        await _server.DisposeAsync();
    }

    private async Task<string> ScrapeAsync()
    {
        using var response = await _server.Http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.MediaType);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>The sum of the samples named <paramref name="name"/> whose labels include every one given.</summary>
    private static double Sample(string text, string name, params string[] labels)
    {
        var total = 0.0;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith('#') || !(line.StartsWith(name + "{", StringComparison.Ordinal) || line.StartsWith(name + " ", StringComparison.Ordinal)))
            {
                continue;
            }
            var labelEnd = line.LastIndexOf('}');
            var labelText = labelEnd < 0 ? "" : line[..labelEnd];
            if (labels.All(l => labelText.Contains(l, StringComparison.Ordinal)))
            {
                var value = line[(labelEnd + 1)..].Trim().Split(' ')[0];
                total += double.Parse(value, CultureInfo.InvariantCulture);
            }
        }
        return total;
    }

    /// <summary>Scrapes until the condition holds: the exporter may serve a cached scrape for a moment.</summary>
    private async Task<string> ScrapeUntilAsync(Func<string, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var text = await ScrapeAsync();
            if (condition(text) || DateTime.UtcNow > deadline)
            {
                return text;
            }
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task Metrics_CommandCountersMoveWhenCommandsAreCreatedAndEnd()
    {
        var before = await ScrapeAsync();
        var thing = GridServer.NewId("meter");
        await _rest.RegisterThingAsync(thing);
        var canceled = await _rest.CreateCommandAsync(new { thingId = thing, action = "reboot", @params = new { }, ttl = 300 });
        var (cancel, _) = await _rest.SendAsync(HttpMethod.Post, $"/api/v1/commands/{canceled["executionId"]}/cancel");
        Assert.Equal(HttpStatusCode.OK, cancel);
        var expiring = await _rest.CreateCommandAsync(new { thingId = thing, action = "blink", @params = new { }, ttl = 1 });
        var (waited, final) = await _rest.SendAsync(HttpMethod.Get, $"/api/v1/commands/{expiring["executionId"]}/wait?timeout=20");
        Assert.Equal(HttpStatusCode.OK, waited);
        Assert.Equal("TIMED_OUT", (string)final["status"]!);
        using (var anonymous = new HttpClient { BaseAddress = _server.BaseUri })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/commands")).StatusCode);
        }

        const string created = "commandgrid_commands_created_total";
        const string changes = "commandgrid_commands_status_changes_total";
        var after = await ScrapeUntilAsync(t => Sample(t, changes, "status=\"TIMED_OUT\"") > Sample(before, changes, "status=\"TIMED_OUT\""));
        Assert.True(Sample(after, created, "door=\"rest\"") >= Sample(before, created, "door=\"rest\"") + 2, "commands created by REST did not move");
        Assert.True(Sample(after, changes, "status=\"PENDING\"") >= Sample(before, changes, "status=\"PENDING\"") + 2);
        Assert.True(Sample(after, changes, "status=\"CANCELED\"") >= Sample(before, changes, "status=\"CANCELED\"") + 1);
        Assert.True(Sample(after, changes, "status=\"TIMED_OUT\"") >= Sample(before, changes, "status=\"TIMED_OUT\"") + 1);
        Assert.True(Sample(after, "commandgrid_commands_ttl_lateness_milliseconds_count") >= Sample(before, "commandgrid_commands_ttl_lateness_milliseconds_count") + 1);
        Assert.True(Sample(after, "commandgrid_refusals_total", "door=\"rest\"", "reason=\"Unauthorized\"") >= Sample(before, "commandgrid_refusals_total", "door=\"rest\"", "reason=\"Unauthorized\"") + 1);
        Assert.True(Sample(after, "commandgrid_storage_batch_size_count") > Sample(before, "commandgrid_storage_batch_size_count"));
        Assert.Contains("commandgrid_storage_commit_duration_milliseconds_bucket", after);
        Assert.Contains("commandgrid_storage_queue_depth", after);
        // Orleans' own meter comes along.
        Assert.Contains("\norleans_", after);
    }

    [Fact]
    public async Task Metrics_CountOpenWebSocketSessions()
    {
        const string open = "commandgrid_connections_open";
        string[] labels = ["door=\"websocket\"", "protocol_version=\"devicehive\""];
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(_server.WebSocketUri, CancellationToken.None);
        var text = await ScrapeUntilAsync(t => Sample(t, open, labels) == 1);
        Assert.Equal(1, Sample(text, open, labels));

        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        text = await ScrapeUntilAsync(t => Sample(t, open, labels) == 0);
        Assert.Equal(0, Sample(text, open, labels));
    }

    [Fact]
    public async Task Metrics_MqttDoorCountsConnectionsAndRefusedConnects()
    {
        using var open = _server.Services.Collect<long>("commandgrid.connections.open");
        using var refusals = _server.Services.Collect<long>("commandgrid.refusals");
        var thing = GridServer.NewId("mqtt");

        await using (var client = await RawMqttClient.OpenAsync(_server.MqttPort, MqttProtocolVersion.V500))
        {
            Assert.Equal(MqttReasonCode.Success, (await client.ConnectRawAsync(thing, password: GridServer.Token())).ReasonCode);
            // Counted before the CONNACK went out.
            Assert.Equal(1, Sum(open, ("door", "mqtt"), ("protocol_version", "5.0")));
        }
        await open.WaitForMeasurementsAsync(2, TimeSpan.FromSeconds(15));
        Assert.Equal(0, Sum(open, ("door", "mqtt"), ("protocol_version", "5.0")));

        await using (var refused = await RawMqttClient.OpenAsync(_server.MqttPort, MqttProtocolVersion.V311))
        {
            Assert.Equal(MqttReasonCode.BadUserNameOrPassword, (await refused.ConnectRawAsync(thing, password: "not a token")).ReasonCode);
        }
        Assert.Equal(1, Sum(refusals, ("door", "mqtt"), ("reason", "BadUserNameOrPassword")));
        Assert.Equal(2, open.GetMeasurementSnapshot().Count);
    }

    /// <summary>The sum of the collected measurements that carry every tag given.</summary>
    private static long Sum(MetricCollector<long> collector, params (string Key, string Value)[] tags) =>
        collector.GetMeasurementSnapshot().Where(m => tags.All(t => m.Tags.TryGetValue(t.Key, out var v) && (string?)v == t.Value)).Sum(m => m.Value);

    [Fact]
    public async Task Health_ReportsStorageAndMembership()
    {
        using var response = await _server.Http.GetAsync("/health");
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        var json = JsonNode.Parse(body)!;
        Assert.Equal("Healthy", (string)json["status"]!);
        Assert.Equal("silo", (string)json["role"]!);
        Assert.Equal("Healthy", (string)json["checks"]!["storage"]!["status"]!);
        Assert.Equal("Healthy", (string)json["checks"]!["membership"]!["status"]!);
        Assert.Contains("Active", (string)json["checks"]!["membership"]!["description"]!);
    }

    [Fact]
    public async Task Health_Is503WithTheFailingCheckWhenTheStoreIsGone()
    {
        // The store closed under a running silo: the storage check fails, the others still report.
        await _server.Services.GetRequiredService<CommandGrid.Storage.RelationalStore>().DisposeAsync();
        using var response = await _server.Http.GetAsync("/health");
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("Unhealthy", (string)json["status"]!);
        Assert.Equal("Unhealthy", (string)json["checks"]!["storage"]!["status"]!);
        Assert.Equal("Healthy", (string)json["checks"]!["membership"]!["status"]!);
    }
}
