using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CommandGrid.Tests.Infrastructure;
using CommandGrid.Tests.Mqtt.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.TestingHost;
using Xunit;

namespace CommandGrid.Tests.Grid;

/// <summary>
/// A job's in-progress timeout and a device's step timeout end to end: a node on a fake clock, an MQTT.js device that
/// starts its execution on its jobs topics and never finishes, and the clock moved past the deadline.
/// </summary>
public sealed class JobsTimeoutTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private GridServer _server = null!;
    private HttpClient _rest = null!;

    public async Task InitializeAsync()
    {
        _server = await GridServer.StartAsync(customize: builder =>
        {
            builder.Services.AddSingleton<TimeProvider>(_clock);
            // Orleans' membership and messaging keep real time; the grid's deadlines, timers and reminders follow the fake clock.
            builder.Services.UseTimeProviderForBackgroundAreas(TimeProvider.System);
        });
        _rest = _server.Client();
    }

    public async Task DisposeAsync()
    {
        _rest.Dispose();
        await _server.DisposeAsync();
    }

    [Theory]
    [InlineData(null)]
    [InlineData(5)]
    public async Task JobsTimeout_AStartedExecutionNeverFinishedEndsTimedOutAtItsDeadline(int? stepMinutes)
    {
        var thing = GridServer.NewId("stuck");
        await _rest.RegisterThingAsync(thing);
        var p = $"$aws/things/{thing}/jobs/";
        await using var device = await FleetsDevice.StartAsync(_server, thing, keepAlive: 0);
        await device.WaitForAsync("connect");
        await device.RequestAsync("subscribe", new { topic = new[] { p + "start-next/accepted", p + "notify-next" }, qos = 1 }, "subscribed");
        var (status, job) = await _rest.SendAsync(HttpMethod.Post, "/api/v1/jobs", JsonContent.Create(new
        {
            document = new { operation = "install" },
            ttl = 3600,
            timeoutConfig = new { inProgressTimeoutInMinutes = 2 },
            targets = new { thingNames = new[] { thing } },
        }));
        Assert.True(status == HttpStatusCode.Created, job.ToJsonString());
        Assert.Equal(2, (int)job["timeoutConfig"]!["inProgressTimeoutInMinutes"]!);
        var jobId = (string)job["jobId"]!;
        await device.WaitForAsync("message", m => (string)m["topic"]! == p + "notify-next");

        object start = stepMinutes is { } step ? new { stepTimeoutInMinutes = step } : new { };
        await device.RequestAsync("publish", new { topic = p + "start-next", payload = System.Text.Json.JsonSerializer.Serialize(start), qos = 1 }, "published");
        var accepted = JsonNode.Parse((string)(await device.WaitForAsync("message", m => (string)m["topic"]! == p + "start-next/accepted"))["payload"]!)!;
        Assert.Equal("IN_PROGRESS", (string)accepted["execution"]!["status"]!);
        var execution = Assert.Single(await _rest.ListAllAsync($"jobId={jobId}", pageSize: 10));
        var deadline = TimeSpan.FromMinutes(stepMinutes ?? 2);
        Assert.Equal(FleetsApi.Time(execution["startedAt"]) + deadline, FleetsApi.Time(execution["expiresAt"]));

        _clock.Advance(deadline - TimeSpan.FromSeconds(1));
        Assert.Equal("IN_PROGRESS", (string)(await _rest.GetCommandAsync((string)execution["executionId"]!))["status"]!);
        _clock.Advance(TimeSpan.FromSeconds(1));
        var (waited, final) = await _rest.SendAsync(HttpMethod.Get, $"/api/v1/jobs/{jobId}/wait?timeout=30");

        Assert.Equal(HttpStatusCode.OK, waited);
        Assert.Equal("COMPLETED", (string)final["status"]!);
        Assert.Equal("""{"TIMED_OUT":1}""", final["counts"]!.ToJsonString());
    }
}
