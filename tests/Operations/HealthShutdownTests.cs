using System.Net;
using System.Text.Json.Nodes;
using CommandGrid.Tests.Grid;
using CommandGrid.Tests.Infrastructure;
using CommandGrid.Tests.Mqtt.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Xunit;

namespace CommandGrid.Tests.Operations;

/// <summary>/health while the host stops: what fails then is the shutdown itself, reported but not logged as an error.</summary>
public sealed class HealthShutdownTests
{
    [Fact]
    public async Task Health_FailingCheckWhileStoppingIs503DegradedAndLogsNoError()
    {
        await using var server = await GridServer.StartAsync();
        var logs = new CapturedLogs();
        server.Services.GetRequiredService<ILoggerFactory>().AddProvider(logs);

        // A write first: the start-up sweep's queries are over before the store goes.
        await server.Client().RegisterThingAsync(GridServer.NewId("health"));
        // The order of a shutdown: the host says it is stopping, then the store closes.
        server.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        await server.Services.GetRequiredService<CommandGrid.Storage.RelationalStore>().DisposeAsync();
        using var response = await server.Http.GetAsync("/health");
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("Degraded", (string?)json["checks"]!["storage"]!["status"]);
        Assert.StartsWith("stopping: ", (string?)json["checks"]!["storage"]!["description"]);
        var errors = logs.Entries.Where(e => e.Level >= LogLevel.Error).Select(e => $"{e.Category}: {e.Message}").ToList();
        Assert.True(errors.Count == 0, "errors were logged:\n" + string.Join("\n", errors));
    }
}
