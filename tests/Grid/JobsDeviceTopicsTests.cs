using System.Net;
using System.Text.Json.Nodes;
using CommandGrid.Tests.Infrastructure;
using CommandGrid.Tests.Mqtt.Infrastructure;
using Xunit;

namespace CommandGrid.Tests.Grid;

/// <summary>
/// AWS IoT Jobs' device API on the grid's MQTT door, spoken by MQTT.js devices under both prefixes (EMQX Fleets' and
/// AWS IoT's) and both protocol versions: the notices of a new job, get, $next, start-next, updates with a right and a
/// wrong expectedVersion, a final execution's refusal, the refusals of bad requests, and notify-next after a reconnect.
/// </summary>
public sealed class JobsDeviceTopicsTests(SharedGridServer grid) : IClassFixture<SharedGridServer>, IDisposable
{
    private readonly GridServer _server = grid.Server;
    private readonly HttpClient _rest = grid.Server.Client();

    public void Dispose() => _rest.Dispose();

    public static TheoryData<string, int> PrefixesAndVersions() => new()
    {
        { "$emqx", 4 },
        { "$emqx", 5 },
        { "$aws", 4 },
        { "$aws", 5 },
    };

    private static string Prefix(string root, string thing) => $"{root}/things/{thing}/jobs/";

    // The subscriptions EMQX Fleets' device guide lists.
    private static string[] JobTopics(string prefix) =>
    [
        prefix + "notify", prefix + "notify-next", prefix + "get/accepted", prefix + "get/rejected",
        prefix + "start-next/accepted", prefix + "start-next/rejected", prefix + "+/get/accepted", prefix + "+/get/rejected",
        prefix + "+/update/accepted", prefix + "+/update/rejected",
    ];

    private Task<NodeMqttClient> DeviceAsync(string thing, int protocolVersion, bool clean = true) =>
        FleetsDevice.StartAsync(_server, thing, protocolVersion, clean);

    private async Task<string> CreateJobAsync(string thing, object document)
    {
        var (status, job) = await _rest.SendAsync(HttpMethod.Post, "/api/v1/jobs",
            System.Net.Http.Json.JsonContent.Create(new { document, ttl = 300, targets = new { thingNames = new[] { thing } } }));
        Assert.True(status == HttpStatusCode.Created, job.ToJsonString());
        return (string)job["jobId"]!;
    }

    private static async Task<JsonNode> AskAsync(NodeMqttClient device, string topic, object request, string answer)
    {
        await device.RequestAsync("publish", new { topic, payload = System.Text.Json.JsonSerializer.Serialize(request), qos = 1 }, "published");
        var message = await device.WaitForAsync("message", m => (string)m["topic"]! == answer);
        return JsonNode.Parse((string)message["payload"]!)!;
    }

    private static async Task<JsonNode> NoticeAsync(NodeMqttClient device, string topic, Func<JsonNode, bool> match)
    {
        var message = await device.WaitForAsync("message", m => (string)m["topic"]! == topic && match(JsonNode.Parse((string)m["payload"]!)!));
        return JsonNode.Parse((string)message["payload"]!)!;
    }

    [Theory]
    [MemberData(nameof(PrefixesAndVersions))]
    public async Task JobsTopics_ADeviceGetsStartsUpdatesAndFinishesItsJob(string root, int protocolVersion)
    {
        var thing = GridServer.NewId("jobdev");
        await _rest.RegisterThingAsync(thing);
        var p = Prefix(root, thing);
        await using var device = await DeviceAsync(thing, protocolVersion);
        await device.WaitForAsync("connect");
        var subscribed = await device.RequestAsync("subscribe", new { topic = JobTopics(p), qos = 1 }, "subscribed");
        Assert.All(subscribed["granted"]!.AsArray(), g => Assert.Equal(1, (int)g!));

        var jobId = await CreateJobAsync(thing, new { operation = "install", url = "https://example.com/fw.bin" });

        var notify = await NoticeAsync(device, p + "notify", n => n["jobs"]?["QUEUED"] is not null);
        Assert.Equal(jobId, (string)notify["jobs"]!["QUEUED"]![0]!["jobId"]!);
        Assert.Equal(1, (int)notify["jobs"]!["QUEUED"]![0]!["versionNumber"]!);
        var next = await NoticeAsync(device, p + "notify-next", n => n["execution"] is not null);
        Assert.Equal(jobId, (string)next["execution"]!["jobId"]!);
        Assert.Equal("QUEUED", (string)next["execution"]!["status"]!);
        Assert.Equal("install", (string)next["execution"]!["jobDocument"]!["operation"]!);
        Assert.Equal(1, (int)next["execution"]!["executionNumber"]!);
        Assert.True((long)next["timestamp"]! < 10_000_000_000, "times are Unix seconds");

        var pending = await AskAsync(device, p + "get", new { clientToken = "t-get" }, p + "get/accepted");
        Assert.Equal("t-get", (string)pending["clientToken"]!);
        Assert.Equal(jobId, (string)pending["queuedJobs"]![0]!["jobId"]!);
        Assert.Empty(pending["inProgressJobs"]!.AsArray());

        var described = await AskAsync(device, p + "$next/get", new { }, p + "$next/get/accepted");
        Assert.Equal(jobId, (string)described["execution"]!["jobId"]!);
        Assert.Equal("https://example.com/fw.bin", (string)described["execution"]!["jobDocument"]!["url"]!);

        var started = await AskAsync(device, p + "start-next", new { statusDetails = new { step = "download" }, clientToken = "t-start" }, p + "start-next/accepted");
        Assert.Equal("IN_PROGRESS", (string)started["execution"]!["status"]!);
        Assert.Equal("download", (string)started["execution"]!["statusDetails"]!["step"]!);
        Assert.Equal(2, (int)started["execution"]!["versionNumber"]!);
        Assert.NotNull(started["execution"]!["startedAt"]);
        Assert.Equal("t-start", (string)started["clientToken"]!);

        var stale = await AskAsync(device, $"{p}{jobId}/update",
            new { status = "IN_PROGRESS", expectedVersion = 1, statusDetails = new { progress = "50" } }, $"{p}{jobId}/update/rejected");
        Assert.Equal("VersionMismatch", (string)stale["code"]!);
        Assert.Equal(2, (int)stale["executionState"]!["versionNumber"]!);

        var progressed = await AskAsync(device, $"{p}{jobId}/update",
            new { status = "IN_PROGRESS", expectedVersion = 2, statusDetails = new { progress = "50" }, includeJobExecutionState = true, includeJobDocument = true },
            $"{p}{jobId}/update/accepted");
        Assert.Equal("IN_PROGRESS", (string)progressed["executionState"]!["status"]!);
        Assert.Equal(3, (int)progressed["executionState"]!["versionNumber"]!);
        Assert.Equal("install", (string)progressed["jobDocument"]!["operation"]!);

        var read = await AskAsync(device, $"{p}{jobId}/get", new { clientToken = "t-read" }, $"{p}{jobId}/get/accepted");
        Assert.Equal("50", (string)read["execution"]!["statusDetails"]!["progress"]!);
        Assert.Equal(3, (int)read["execution"]!["versionNumber"]!);

        var done = await AskAsync(device, $"{p}{jobId}/update", new { status = "SUCCEEDED", statusDetails = new { progress = "100" } }, $"{p}{jobId}/update/accepted");
        Assert.Null(done["executionState"]);
        var nothingNext = await NoticeAsync(device, p + "notify-next", n => n["execution"] is null);
        Assert.NotNull(nothingNext["timestamp"]);
        var final = await AskAsync(device, $"{p}{jobId}/update", new { status = "FAILED", clientToken = "t-late" }, $"{p}{jobId}/update/rejected");
        Assert.Equal("TerminalStateReached", (string)final["code"]!);
        Assert.Equal("t-late", (string)final["clientToken"]!);

        var (waited, job) = await _rest.SendAsync(HttpMethod.Get, $"/api/v1/jobs/{jobId}/wait?timeout=30");
        Assert.Equal(HttpStatusCode.OK, waited);
        Assert.Equal("COMPLETED", (string)job["status"]!);
        Assert.Equal("""{"SUCCEEDED":1}""", job["counts"]!.ToJsonString());
        var execution = Assert.Single(await _rest.ListAllAsync($"jobId={jobId}", pageSize: 10));
        var history = (await _rest.GetCommandAsync((string)execution["executionId"]!))["history"]!.AsArray();
        Assert.Equal(["PENDING", "SENT", "IN_PROGRESS", "SUCCEEDED"], history.Select(h => (string)h!["status"]!));
    }

    [Fact]
    public async Task JobsTopics_ADeviceOnBothTopicTreesGetsCommandsAsRequestsAndJobsOnlyOnItsJobsTopics()
    {
        var thing = GridServer.NewId("both");
        await _rest.RegisterThingAsync(thing);
        var p = Prefix("$emqx", thing);
        var requests = $"$emqx/commands/things/{thing}/executions/+/request";
        await using var device = await DeviceAsync(thing, 5);
        await device.WaitForAsync("connect");
        await device.RequestAsync("subscribe", new { topic = new[] { requests, p + "notify-next" }, qos = 1 }, "subscribed");

        var jobId = await CreateJobAsync(thing, new { operation = "install" });
        await NoticeAsync(device, p + "notify-next", n => (string?)n["execution"]?["jobId"] == jobId);
        var command = await _rest.CreateCommandAsync(new { thingId = thing, action = "blink", ttl = 60 });
        var request = await device.WaitForAsync("message", m => ((string)m["topic"]!).EndsWith("/request", StringComparison.Ordinal));

        // The one request is the ordinary command's: the job's execution was told on notify-next only.
        Assert.Equal((string)command["executionId"]!, (string)JsonNode.Parse((string)request["payload"]!)!["commandId"]!);
        Assert.False(device.Saw("message"), device.Describe());
        var jobExecution = Assert.Single(await _rest.ListAllAsync($"jobId={jobId}", pageSize: 10));
        Assert.Equal("SENT", (string)jobExecution["status"]!);
    }

    [Fact]
    public async Task JobsTopics_AThingWhoseExecutionFailedGetsItsRetryAndCountsOnceByItsLast()
    {
        var thing = GridServer.NewId("retry");
        await _rest.RegisterThingAsync(thing);
        var p = Prefix("$aws", thing);
        await using var device = await DeviceAsync(thing, 5);
        await device.WaitForAsync("connect");
        await device.RequestAsync("subscribe", new { topic = JobTopics(p), qos = 1 }, "subscribed");
        var (status, job) = await _rest.SendAsync(HttpMethod.Post, "/api/v1/jobs", System.Net.Http.Json.JsonContent.Create(new
        {
            document = new { operation = "install" },
            targets = new { thingNames = new[] { thing } },
            retry = new { criteriaList = new[] { new { failureType = "FAILED", numberOfRetries = 1 } } },
        }));
        Assert.True(status == HttpStatusCode.Created, job.ToJsonString());
        Assert.Equal(1, (int)job["retry"]!["criteriaList"]![0]!["numberOfRetries"]!);
        var jobId = (string)job["jobId"]!;
        // The job answers before its rollout makes the execution: the device starts once it is told of it.
        await NoticeAsync(device, p + "notify-next", n => (int?)n["execution"]?["executionNumber"] == 1);

        var first = await AskAsync(device, p + "start-next", new { }, p + "start-next/accepted");
        Assert.Equal(1, (int)first["execution"]!["executionNumber"]!);
        await AskAsync(device, $"{p}{jobId}/update", new { status = "FAILED", statusDetails = new { reason = "disk full" } }, $"{p}{jobId}/update/accepted");
        var retried = await NoticeAsync(device, p + "notify-next", n => (int?)n["execution"]?["executionNumber"] == 2);
        Assert.Equal(jobId, (string)retried["execution"]!["jobId"]!);
        Assert.Equal("QUEUED", (string)retried["execution"]!["status"]!);

        var second = await AskAsync(device, p + "start-next", new { }, p + "start-next/accepted");
        Assert.Equal(2, (int)second["execution"]!["executionNumber"]!);
        await AskAsync(device, $"{p}{jobId}/update", new { status = "SUCCEEDED" }, $"{p}{jobId}/update/accepted");
        var earlier = await AskAsync(device, $"{p}{jobId}/get", new { executionNumber = 1 }, $"{p}{jobId}/get/accepted");
        Assert.Equal("FAILED", (string)earlier["execution"]!["status"]!);

        var (waited, final) = await _rest.SendAsync(HttpMethod.Get, $"/api/v1/jobs/{jobId}/wait?timeout=30");
        Assert.Equal(HttpStatusCode.OK, waited);
        Assert.Equal("COMPLETED", (string)final["status"]!);
        Assert.Equal("""{"SUCCEEDED":1}""", final["counts"]!.ToJsonString());
        var executions = await _rest.ListAllAsync($"jobId={jobId}", pageSize: 10);
        Assert.Equal([(1, "FAILED"), (2, "SUCCEEDED")], executions.Select(e => ((int)e["executionNumber"]!, (string)e["status"]!)).Order());
    }

    [Fact]
    public async Task JobsTopics_RequestsPastASessionsAllowanceAreThrottledAndTheConnectionStays()
    {
        // An allowance of three that refills once in a thousand seconds: the fourth request of a burst is past it.
        await using var server = await GridServer.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Jobs:DeviceRequestBurst"] = "3",
            ["Jobs:DeviceRequestsPerSecond"] = "0.001",
        });
        var thing = GridServer.NewId("busy");
        await server.Client().RegisterThingAsync(thing);
        var p = Prefix("$emqx", thing);
        await using var device = await FleetsDevice.StartAsync(server, thing);
        await device.WaitForAsync("connect");
        await device.RequestAsync("subscribe", new { topic = new[] { p + "get/accepted", p + "get/rejected" }, qos = 1 }, "subscribed");

        for (var i = 0; i < 5; i++)
        {
            await device.RequestAsync("publish", new { topic = p + "get", payload = $$"""{"clientToken":"t{{i}}"}""", qos = 1 }, "published");
        }
        var answers = new List<(string Token, string Topic, string? Code)>();
        for (var i = 0; i < 5; i++)
        {
            var message = await device.WaitForAsync("message");
            var body = JsonNode.Parse((string)message["payload"]!)!;
            answers.Add(((string)body["clientToken"]!, (string)message["topic"]!, (string?)body["code"]));
        }

        Assert.Equal(["t0", "t1", "t2"], answers.Where(a => a.Topic.EndsWith("/accepted", StringComparison.Ordinal)).Select(a => a.Token).Order());
        Assert.Equal(["t3", "t4"], answers.Where(a => a.Topic.EndsWith("/rejected", StringComparison.Ordinal)).Select(a => a.Token).Order());
        Assert.All(answers.Where(a => a.Topic.EndsWith("/rejected", StringComparison.Ordinal)), a => Assert.Equal("RequestThrottled", a.Code));
        Assert.False(device.HasExited);
    }

    [Theory]
    [InlineData("$emqx", 4)]
    [InlineData("$aws", 5)]
    public async Task JobsTopics_BadRequestsAreRejectedAndChangeNothing(string root, int protocolVersion)
    {
        var thing = GridServer.NewId("badjob");
        var other = GridServer.NewId("otherjob");
        await _rest.RegisterThingAsync(thing);
        await _rest.RegisterThingAsync(other);
        var p = Prefix(root, thing);
        await using var device = await DeviceAsync(thing, protocolVersion);
        await device.WaitForAsync("connect");
        await device.RequestAsync("subscribe", new { topic = JobTopics(p), qos = 1 }, "subscribed");
        var mine = await CreateJobAsync(thing, new { operation = "reboot" });
        var theirs = await CreateJobAsync(other, new { operation = "reboot" });
        await NoticeAsync(device, p + "notify-next", n => n["execution"] is not null);
        await Eventually.TrueAsync(async () => (await _rest.ListAllAsync($"jobId={theirs}", pageSize: 10)).Count == 1,
            TimeSpan.FromSeconds(20), "the other thing has its execution");

        async Task<JsonNode> RawAsync(string topic, string payload, string answer)
        {
            await device.RequestAsync("publish", new { topic, payload, qos = 1 }, "published");
            return JsonNode.Parse((string)(await device.WaitForAsync("message", m => (string)m["topic"]! == answer))["payload"]!)!;
        }

        Assert.Equal("InvalidJson", (string)(await RawAsync($"{p}{mine}/update", "not json", $"{p}{mine}/update/rejected"))["code"]!);
        Assert.Equal("InvalidJson", (string)(await RawAsync($"{p}{mine}/update", "[1,2]", $"{p}{mine}/update/rejected"))["code"]!);
        var noStatus = await RawAsync($"{p}{mine}/update", """{"clientToken":"t1"}""", $"{p}{mine}/update/rejected");
        Assert.Equal("InvalidRequest", (string)noStatus["code"]!);
        Assert.Equal("t1", (string)noStatus["clientToken"]!);
        Assert.Equal("InvalidRequest", (string)(await RawAsync($"{p}{mine}/update", """{"status":"DONE"}""", $"{p}{mine}/update/rejected"))["code"]!);
        Assert.Equal("InvalidRequest", (string)(await RawAsync($"{p}{mine}/update", """{"status":"SUCCEEDED","expectedVersion":"one"}""", $"{p}{mine}/update/rejected"))["code"]!);
        Assert.Equal("InvalidRequest", (string)(await RawAsync($"{p}{mine}/update", """{"status":"SUCCEEDED","statusDetails":{"n":5}}""", $"{p}{mine}/update/rejected"))["code"]!);
        Assert.Equal("InvalidStateTransition", (string)(await RawAsync($"{p}{mine}/update", """{"status":"QUEUED"}""", $"{p}{mine}/update/rejected"))["code"]!);
        Assert.Equal("ResourceNotFound", (string)(await RawAsync($"{p}no-such-job/update", """{"status":"SUCCEEDED"}""", $"{p}no-such-job/update/rejected"))["code"]!);
        // Another thing's job is no job of this thing's, and another thing's topics are not this device's to use.
        Assert.Equal("ResourceNotFound", (string)(await RawAsync($"{p}{theirs}/update", """{"status":"SUCCEEDED"}""", $"{p}{theirs}/update/rejected"))["code"]!);
        var foreign = await device.RequestAsync("publish", new { topic = $"{Prefix(root, other)}{theirs}/update", payload = """{"status":"SUCCEEDED"}""", qos = 1 }, "published");
        var refused = await device.RequestAsync("subscribe", new { topic = Prefix(root, other) + "notify-next", qos = 1 }, "subscribed");
        Assert.True((int)refused["granted"]![0]! >= 128, "another thing's topic is refused in the SUBACK");
        Assert.False(device.HasExited);

        var theirExecution = Assert.Single(await _rest.ListAllAsync($"jobId={theirs}", pageSize: 10));
        Assert.Equal("PENDING", (string)theirExecution["status"]!);
        var myExecution = Assert.Single(await _rest.ListAllAsync($"jobId={mine}", pageSize: 10));
        Assert.Contains((string)myExecution["status"]!, new[] { "PENDING", "SENT" });
        var pending = await AskAsync(device, p + "get", new { }, p + "get/accepted");
        Assert.Equal(1, (int)pending["queuedJobs"]![0]!["versionNumber"]!);
        _ = foreign;
    }

    [Theory]
    [InlineData("$emqx", 4)]
    [InlineData("$aws", 5)]
    public async Task JobsTopics_ADeviceBackOnItsKeptSessionIsToldItsNextJobAgain(string root, int protocolVersion)
    {
        var thing = GridServer.NewId("backjob");
        await _rest.RegisterThingAsync(thing);
        var p = Prefix(root, thing);
        var device = await DeviceAsync(thing, protocolVersion, clean: false);
        try
        {
            await device.WaitForAsync("connect");
            await device.RequestAsync("subscribe", new { topic = new[] { p + "notify-next", p + "notify" }, qos = 1 }, "subscribed");
            var jobId = await CreateJobAsync(thing, new { operation = "calibrate" });
            await NoticeAsync(device, p + "notify", n => n["jobs"]?["QUEUED"]?[0]?["jobId"]?.GetValue<string>() == jobId);
            await NoticeAsync(device, p + "notify-next", n => (string?)n["execution"]?["jobId"] == jobId);
            await device.SendAsync("end");
            await device.WaitForAsync("ended");
        }
        finally
        {
            await device.DisposeAsync();
        }

        await using var back = await DeviceAsync(thing, protocolVersion, clean: false);
        var connected = await back.WaitForAsync("connect");
        Assert.True((bool)connected["sessionPresent"]!);
        var again = await NoticeAsync(back, p + "notify-next", n => n["execution"] is not null);
        Assert.Equal("calibrate", (string)again["execution"]!["jobDocument"]!["operation"]!);
    }
}
