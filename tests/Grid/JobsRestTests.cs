using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using CommandGrid.Tests.Infrastructure;
using CommandGrid.Tests.Mqtt.Infrastructure;
using Xunit;

namespace CommandGrid.Tests.Grid;

/// <summary>
/// Thing groups and fleet jobs through the real REST door of a one-node grid, with MQTT.js devices answering
/// their executions: the walk-through of the README on a fleet of two, a cancel, and the refusals.
/// </summary>
public sealed class JobsRestTests(SharedGridServer grid) : IClassFixture<SharedGridServer>, IDisposable
{
    private readonly GridServer _server = grid.Server;
    private readonly HttpClient _rest = grid.Server.Client();

    public void Dispose() => _rest.Dispose();

    private Task<NodeMqttClient> DeviceAsync(string thing) => FleetsDevice.StartAsync(_server, thing);

    private async Task<(HttpStatusCode Status, JsonObject Body)> SendJsonAsync(HttpMethod method, string path, object body) =>
        await _rest.SendAsync(method, path, JsonContent.Create(body));

    [Fact]
    public async Task Jobs_WalkThroughTwoMqttDevicesAnswerAndTheJobCompletesWithExactCounts()
    {
        var things = new[] { GridServer.NewId("jobthing"), GridServer.NewId("jobthing") };
        var group = GridServer.NewId("floor");
        foreach (var thing in things)
        {
            await _rest.RegisterThingAsync(thing);
        }
        var (created, groupBody) = await SendJsonAsync(HttpMethod.Put, $"/api/v1/thing-groups/{group}", new { description = "second floor" });
        Assert.Equal(HttpStatusCode.Created, created);
        Assert.False((bool)groupBody["dynamic"]!);
        foreach (var thing in things)
        {
            var (added, thingBody) = await _rest.SendAsync(HttpMethod.Put, $"/api/v1/thing-groups/{group}/things/{thing}");
            Assert.Equal(HttpStatusCode.OK, added);
            Assert.Equal([group], thingBody["groups"]!.AsArray().Select(g => (string)g!));
        }
        var (_, members) = await _rest.SendAsync(HttpMethod.Get, $"/api/v1/thing-groups/{group}/things?limit=1");
        Assert.Single(members["items"]!.AsArray());
        Assert.NotNull((string?)members["nextCursor"]);

        await using var first = await DeviceAsync(things[0]);
        await using var second = await DeviceAsync(things[1]);
        var devices = new[] { first, second };
        for (var i = 0; i < 2; i++)
        {
            await devices[i].WaitForAsync("connect");
            await devices[i].RequestAsync("subscribe", new { topic = $"$emqx/commands/things/{things[i]}/executions/+/request", qos = 1 }, "subscribed");
        }

        var jobId = GridServer.NewId("job");
        var (status, job) = await SendJsonAsync(HttpMethod.Post, "/api/v1/jobs", new
        {
            jobId,
            action = "setTemperature",
            @params = new { value = 21 },
            ttl = 60,
            targets = new { groups = new[] { group } },
            rollout = new { maxPerMinute = 600 },
            abort = new[] { new { failureType = "FAILED", minExecutedThings = 10, thresholdPercent = 50 } },
        });
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(jobId, (string)job["jobId"]!);
        Assert.Equal(2, (int)job["targeted"]!);

        for (var i = 0; i < 2; i++)
        {
            var request = await devices[i].WaitForAsync("message", m => ((string)m["topic"]!).EndsWith("/request", StringComparison.Ordinal));
            var payload = JsonNode.Parse((string)request["payload"]!)!;
            Assert.Equal(jobId, (string)payload["jobId"]!);
            Assert.Equal(21, (int)payload["params"]!["value"]!);
            await devices[i].RequestAsync("publish", new
            {
                topic = $"$emqx/commands/things/{things[i]}/executions/{(string)payload["commandId"]!}/response",
                payload = "{\"status\":\"SUCCEEDED\",\"result\":{\"ok\":true}}",
                qos = 1,
            }, "published");
        }

        var (waited, final) = await _rest.SendAsync(HttpMethod.Get, $"/api/v1/jobs/{jobId}/wait?timeout=30");
        Assert.True(waited == HttpStatusCode.OK, final.ToJsonString());
        Assert.Equal("COMPLETED", (string)final["status"]!);
        Assert.Equal("""{"SUCCEEDED":2}""", final["counts"]!.ToJsonString());
        Assert.Equal(2, (int)final["created"]!);
        Assert.NotNull((string?)final["startedAt"]);
        Assert.NotNull((string?)final["completedAt"]);

        var executions = await _rest.ListAllAsync($"jobId={jobId}", pageSize: 1);
        Assert.Equal(things.Order(), executions.Select(e => (string)e["thingId"]!).Order());
        Assert.All(executions, e => Assert.Equal(jobId, (string)e["jobId"]!));
        var (_, byJob) = await _rest.SendAsync(HttpMethod.Get, $"/api/v1/jobs/{jobId}/executions?status=SUCCEEDED");
        Assert.Equal(2, byJob["items"]!.AsArray().Count);
        var (_, listed) = await _rest.SendAsync(HttpMethod.Get, "/api/v1/jobs?status=COMPLETED&limit=1000");
        Assert.Contains(listed["items"]!.AsArray(), j => (string)j!["jobId"]! == jobId);
        var (again, conflict) = await SendJsonAsync(HttpMethod.Post, $"/api/v1/jobs/{jobId}/cancel", new { });
        Assert.Equal(HttpStatusCode.Conflict, again);
        Assert.Equal("Conflict", (string)conflict["error"]!["code"]!);
    }

    [Fact]
    public async Task Jobs_CancelOfAJobOnADynamicGroupCancelsItsUndeliveredExecutions()
    {
        var floor = Guid.NewGuid().ToString("N");
        var things = new[] { GridServer.NewId("dyn"), GridServer.NewId("dyn"), GridServer.NewId("dyn") };
        foreach (var thing in things)
        {
            await _rest.RegisterThingAsync(thing, new { name = thing, attributes = new { floor } });
        }
        await _rest.RegisterThingAsync(GridServer.NewId("other"), new { name = "elsewhere", attributes = new { floor = "ground" } });
        var group = GridServer.NewId("dynamic");
        var (_, groupBody) = await SendJsonAsync(HttpMethod.Put, $"/api/v1/thing-groups/{group}", new { query = new { attributes = new { floor } } });
        Assert.True((bool)groupBody["dynamic"]!);
        var (listedStatus, members) = await _rest.SendAsync(HttpMethod.Get, $"/api/v1/thing-groups/{group}/things?limit=1000");
        Assert.Equal(HttpStatusCode.OK, listedStatus);
        Assert.Equal(things.Order(), members["items"]!.AsArray().Select(m => (string)m!["thingId"]!).Order());
        var (refused, _) = await _rest.SendAsync(HttpMethod.Put, $"/api/v1/thing-groups/{group}/things/{things[0]}");
        Assert.Equal(HttpStatusCode.BadRequest, refused);

        var (_, job) = await SendJsonAsync(HttpMethod.Post, "/api/v1/jobs", new { action = "reboot", ttl = 300, targets = new { groups = new[] { group } } });
        var jobId = (string)job["jobId"]!;
        await Eventually.TrueAsync(async () => (int)(await _rest.SendAsync(HttpMethod.Get, $"/api/v1/jobs/{jobId}")).Body["created"]! == 3,
            TimeSpan.FromSeconds(20), "the three things have their executions");

        var (canceledStatus, canceled) = await SendJsonAsync(HttpMethod.Post, $"/api/v1/jobs/{jobId}/cancel", new { force = false });
        Assert.Equal(HttpStatusCode.OK, canceledStatus);
        Assert.Equal("CANCELED", (string)canceled["status"]!);
        Assert.Contains("user:1", (string)canceled["abortReason"]!);
        Assert.Equal("""{"CANCELED":3}""", canceled["counts"]!.ToJsonString());
        var (_, repeated) = await SendJsonAsync(HttpMethod.Post, $"/api/v1/jobs/{jobId}/cancel", new { });
        Assert.Equal("CANCELED", (string)repeated["status"]!);
        Assert.All(await _rest.ListAllAsync($"jobId={jobId}", pageSize: 10), e => Assert.Equal("CANCELED", (string)e["status"]!));
    }

    public static TheoryData<string, string, HttpStatusCode> BadJobs() => new()
    {
        { "unknown group", """{"action":"a","targets":{"groups":["no-such-group"]}}""", HttpStatusCode.NotFound },
        { "unknown thing", """{"action":"a","targets":{"thingIds":["no-such-thing"]}}""", HttpStatusCode.NotFound },
        { "empty targets", """{"action":"a","targets":{"thingIds":[]}}""", HttpStatusCode.BadRequest },
        { "no targets", """{"action":"a"}""", HttpStatusCode.BadRequest },
        { "no action", """{"targets":{"thingIds":["t"]}}""", HttpStatusCode.BadRequest },
        { "rate zero", """{"action":"a","targets":{"groups":["g"]},"rollout":{"maxPerMinute":0}}""", HttpStatusCode.BadRequest },
        { "factor one", """{"action":"a","targets":{"groups":["g"]},"rollout":{"exponential":{"baseRatePerMinute":10,"incrementFactor":1,"rateIncreaseCriteria":{"numberOfSucceededThings":5}}}}""", HttpStatusCode.BadRequest },
        { "two criteria", """{"action":"a","targets":{"groups":["g"]},"rollout":{"exponential":{"baseRatePerMinute":10,"incrementFactor":2,"rateIncreaseCriteria":{"numberOfSucceededThings":5,"numberOfNotifiedThings":5}}}}""", HttpStatusCode.BadRequest },
        { "threshold over 100", """{"action":"a","targets":{"groups":["g"]},"abort":[{"failureType":"FAILED","minExecutedThings":1,"thresholdPercent":150}]}""", HttpStatusCode.BadRequest },
        { "unknown failure type", """{"action":"a","targets":{"groups":["g"]},"abort":[{"failureType":"LATE","minExecutedThings":1,"thresholdPercent":50}]}""", HttpStatusCode.BadRequest },
        { "endAt before startAt", """{"action":"a","targets":{"groups":["g"]},"schedule":{"startAt":"2030-01-02T00:00:00Z","endAt":"2030-01-01T00:00:00Z"}}""", HttpStatusCode.BadRequest },
        // BLOB stands for 70,000 characters, over the 64 KiB params limit and within the 80 KiB body limit.
        { "params over the limit", """{"action":"a","targets":{"groups":["g"]},"params":{"blob":"BLOB"}}""", HttpStatusCode.RequestEntityTooLarge },
        { "document over 32 KB", """{"targets":{"groups":["g"]},"document":{"operation":"install","blob":"BLOB"}}""", HttpStatusCode.RequestEntityTooLarge },
        { "document not an object", """{"targets":{"groups":["g"]},"document":"install"}""", HttpStatusCode.BadRequest },
        { "document with params", """{"targets":{"groups":["g"]},"document":{"operation":"install"},"params":{"url":"u"}}""", HttpStatusCode.BadRequest },
        { "unknown jobType", """{"action":"a","targets":{"groups":["g"]},"jobType":"WEEKLY"}""", HttpStatusCode.BadRequest },
        { "jobType against continuous", """{"action":"a","targets":{"groups":["g"]},"jobType":"SNAPSHOT","continuous":true}""", HttpStatusCode.BadRequest },
        { "thingIds and thingNames", """{"action":"a","targets":{"thingIds":["t"],"thingNames":["t"]}}""", HttpStatusCode.BadRequest },
        { "thingGroupNames not a list", """{"document":{"operation":"install"},"targets":{"thingGroupNames":"g"}}""", HttpStatusCode.BadRequest },
        { "name not a string", """{"action":"a","targets":{"groups":["g"]},"name":5}""", HttpStatusCode.BadRequest },
        { "retry count 0", """{"action":"a","targets":{"groups":["g"]},"retry":{"criteriaList":[{"failureType":"FAILED","numberOfRetries":0}]}}""", HttpStatusCode.BadRequest },
        { "retry count 11", """{"action":"a","targets":{"groups":["g"]},"retry":{"criteriaList":[{"failureType":"ALL","numberOfRetries":11}]}}""", HttpStatusCode.BadRequest },
        { "retry of REJECTED", """{"action":"a","targets":{"groups":["g"]},"retry":{"criteriaList":[{"failureType":"REJECTED","numberOfRetries":1}]}}""", HttpStatusCode.BadRequest },
        { "in-progress timeout 0", """{"action":"a","targets":{"groups":["g"]},"timeoutConfig":{"inProgressTimeoutInMinutes":0}}""", HttpStatusCode.BadRequest },
        { "description over 2028", """{"action":"a","targets":{"groups":["g"]},"description":"BLOB"}""", HttpStatusCode.BadRequest },
    };

    [Theory]
    [MemberData(nameof(BadJobs))]
    public async Task Jobs_BadInputIsRefusedAndStoresNothing(string why, string body, HttpStatusCode expected)
    {
        var jobId = GridServer.NewId("bad");
        var withId = JsonNode.Parse(body.Replace("BLOB", new string('x', 70_000), StringComparison.Ordinal))!.AsObject();
        withId["jobId"] = jobId;
        var (status, error) = await _rest.SendAsync(HttpMethod.Post, "/api/v1/jobs",
            new StringContent(withId.ToJsonString(), Encoding.UTF8, "application/json"));

        Assert.True(expected == status, $"{why}: {(int)status} {error.ToJsonString()}");
        Assert.False(string.IsNullOrEmpty((string?)error["error"]?["message"]), why);
        Assert.Equal(HttpStatusCode.NotFound, (await _rest.SendAsync(HttpMethod.Get, $"/api/v1/jobs/{jobId}")).Status);
    }

    [Fact]
    public async Task Jobs_AFleetsShapedBodyWorksUnchangedAndItsDeviceGetsTheDocument()
    {
        var things = new[] { GridServer.NewId("fleets"), GridServer.NewId("fleets") };
        var group = GridServer.NewId("thermostats");
        foreach (var thing in things)
        {
            await _rest.RegisterThingAsync(thing);
        }
        await SendJsonAsync(HttpMethod.Put, $"/api/v1/thing-groups/{group}", new { description = "thermostats" });
        await _rest.SendAsync(HttpMethod.Put, $"/api/v1/thing-groups/{group}/things/{things[1]}");
        await using var device = await DeviceAsync(things[0]);
        await device.WaitForAsync("connect");
        await device.RequestAsync("subscribe", new { topic = $"$emqx/commands/things/{things[0]}/executions/+/request", qos = 1 }, "subscribed");
        var document = new JsonObject { ["operation"] = "install", ["url"] = "https://example.com/fw-2.1.5.bin", ["steps"] = new JsonArray(1, 2) };

        var (status, job) = await _rest.SendAsync(HttpMethod.Post, "/api/v1/jobs", new StringContent(new JsonObject
        {
            ["name"] = "Firmware 2.1.5",
            ["description"] = "Firmware update to v2.1.5",
            ["jobType"] = "SNAPSHOT",
            ["targets"] = new JsonObject { ["thingNames"] = new JsonArray(things[0]), ["thingGroupNames"] = new JsonArray(group) },
            ["document"] = document.DeepClone(),
        }.ToJsonString(), Encoding.UTF8, "application/json"));

        Assert.True(status == HttpStatusCode.Created, job.ToJsonString());
        var jobId = (string)job["jobId"]!;
        Assert.True(Guid.TryParse(jobId, out _), $"{jobId} is a UUID");
        Assert.Equal("install", (string)job["action"]!);
        Assert.Equal("SNAPSHOT", (string)job["jobType"]!);
        Assert.Equal("Firmware 2.1.5", (string)job["name"]!);
        Assert.Equal("Firmware update to v2.1.5", (string)job["description"]!);
        Assert.True(JsonNode.DeepEquals(document, job["document"]), job["document"]!.ToJsonString());
        Assert.Equal(2, (int)job["targeted"]!);

        var request = await device.WaitForAsync("message", m => ((string)m["topic"]!).EndsWith("/request", StringComparison.Ordinal));
        var payload = JsonNode.Parse((string)request["payload"]!)!;
        Assert.Equal(jobId, (string)payload["jobId"]!);
        Assert.Equal("install", (string)payload["action"]!);
        Assert.True(JsonNode.DeepEquals(document, payload["params"]), payload.ToJsonString());

        var (_, read) = await _rest.SendAsync(HttpMethod.Get, $"/api/v1/jobs/{jobId}");
        Assert.True(JsonNode.DeepEquals(document, read["document"]));
        var (_, byAction) = await SendJsonAsync(HttpMethod.Post, "/api/v1/jobs", new { action = "reboot", @params = new { delay = 5 }, targets = new { thingIds = new[] { things[0] } } });
        Assert.Equal("""{"action":"reboot","params":{"delay":5}}""", byAction["document"]!.ToJsonString());
        Assert.Equal("SNAPSHOT", (string)byAction["jobType"]!);
    }

    [Fact]
    public async Task Jobs_AJobIdReusedWithAnotherBodyIsAConflictAndTheSameBodyIsTheSameJob()
    {
        var thing = GridServer.NewId("reuse");
        await _rest.RegisterThingAsync(thing);
        var jobId = GridServer.NewId("job");
        var body = new { jobId, action = "reboot", targets = new { thingIds = new[] { thing } } };

        var (first, job) = await SendJsonAsync(HttpMethod.Post, "/api/v1/jobs", body);
        var (retried, same) = await SendJsonAsync(HttpMethod.Post, "/api/v1/jobs", body);
        var (conflict, error) = await SendJsonAsync(HttpMethod.Post, "/api/v1/jobs", new { jobId, action = "shutdown", targets = new { thingIds = new[] { thing } } });

        Assert.Equal(HttpStatusCode.Created, first);
        Assert.Equal(HttpStatusCode.Created, retried);
        Assert.Equal((string)job["createdAt"]!, (string)same["createdAt"]!);
        Assert.Equal(HttpStatusCode.Conflict, conflict);
        Assert.Equal("Conflict", (string)error["error"]!["code"]!);
        await Eventually.TrueAsync(async () => (int)(await _rest.SendAsync(HttpMethod.Get, $"/api/v1/jobs/{jobId}")).Body["created"]! == 1,
            TimeSpan.FromSeconds(20), "the thing has its execution");
        Assert.Single(await _rest.ListAllAsync($"jobId={jobId}", pageSize: 10));
        var (unknownGroup, _) = await _rest.SendAsync(HttpMethod.Get, "/api/v1/thing-groups/no-such-group");
        Assert.Equal(HttpStatusCode.NotFound, unknownGroup);
        var (scoped, _) = await _server.Client(GridServer.Token(devices: [thing])).SendAsync(HttpMethod.Get, $"/api/v1/jobs/{jobId}");
        Assert.Equal(HttpStatusCode.Forbidden, scoped);
    }
}
