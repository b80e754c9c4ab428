using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CommandGrid.Tests.Grid;
using CommandGrid.Tests.Infrastructure;
using CommandGrid.Tests.Mqtt.Infrastructure;
using Xunit;

namespace CommandGrid.Tests.Tls;

/// <summary>
/// Devices written for AWS IoT Jobs with AWS's device SDK for JavaScript (its <c>jobs</c> class, unchanged) run a fleet
/// job on the grid: each logs in with its own device certificate, subscribes to its jobs, asks for the next one, and
/// reports IN_PROGRESS, then SUCCEEDED.
/// </summary>
public sealed class AwsIotJobsSdkTests : IDisposable
{
    private readonly TlsTestKit _tls = new();

    public void Dispose() => _tls.Dispose();

    [Fact]
    public async Task AwsIotJobsSdk_ThreeThingsRunAJobToCompletion()
    {
        await using var server = await GridServer.StartAsync(settings: _tls.MqttTlsSettings());
        using var rest = server.Client();
        await TestPaths.EnsureNodeModulesAsync();
        var things = Enumerable.Range(0, 3).Select(_ => GridServer.NewId("awsjob")).ToArray();
        foreach (var thing in things)
        {
            await rest.RegisterThingAsync(thing);
        }
        CapturedProcess Device(string thing)
        {
            var certificate = _tls.Device(thing, thing);
            return CapturedProcess.Start("node", Path.Combine(TestPaths.JsDirectory, "aws", "jobs.js"), JsonSerializer.Serialize(new
            {
                host = "127.0.0.1",
                port = server.MqttTlsPort,
                thing,
                operation = "install",
                caPath = _tls.ServerCaPath,
                certPath = certificate.Certificate,
                keyPath = certificate.Key,
            }));
        }

        // Two devices wait for the job (told by notify-next); the third comes after it was made (it asks with $next/get).
        await using var first = Device(things[0]);
        await using var second = Device(things[1]);
        await first.WaitForOutputAsync("\"event\":\"started\",\"error\":null");
        await second.WaitForOutputAsync("\"event\":\"started\",\"error\":null");
        var (status, job) = await rest.SendAsync(HttpMethod.Post, "/api/v1/jobs", JsonContent.Create(new
        {
            description = "Firmware 2.1.5 for three things",
            targets = new { thingNames = things },
            document = new { operation = "install", url = "https://example.com/fw-2.1.5.bin" },
        }));
        Assert.True(status == HttpStatusCode.Created, job.ToJsonString());
        var jobId = (string)job["jobId"]!;
        await using var third = Device(things[2]);

        foreach (var device in new[] { first, second, third })
        {
            await device.WaitForOutputAsync($"\"event\":\"succeeded\",\"jobId\":\"{jobId}\",\"error\":null");
            Assert.Contains("\"operation\":\"install\"", device.Output, StringComparison.Ordinal);
        }
        var (waited, final) = await rest.SendAsync(HttpMethod.Get, $"/api/v1/jobs/{jobId}/wait?timeout=30");
        Assert.Equal(HttpStatusCode.OK, waited);
        Assert.Equal("COMPLETED", (string)final["status"]!);
        Assert.Equal("""{"SUCCEEDED":3}""", final["counts"]!.ToJsonString());
        foreach (var execution in await rest.ListAllAsync($"jobId={jobId}", pageSize: 10))
        {
            Assert.Equal("""{"step":"done"}""", execution["statusDetails"]!.ToJsonString());
            Assert.Equal(1, (int)execution["executionNumber"]!);
            Assert.True((int)execution["versionNumber"]! >= 3, execution.ToJsonString());
        }
    }
}
