using System.Net;
using CommandGrid.Gateway;
using CommandGrid.Tests.Grid;
using CommandGrid.Tests.Infrastructure;
using CommandGrid.Tests.Mqtt.Infrastructure;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MQTTnet;
using Xunit;

namespace CommandGrid.Tests.Hosting;

/// <summary>The node's endpoints from Kestrel's own configuration, from --urls, and port 0 read back once bound.</summary>
public sealed class KestrelEndpointsTests
{
    [Fact]
    public async Task Endpoints_KestrelSectionServesHttpAndMqtt()
    {
        await using var server = await GridServer.StartAsync(endpoints: new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:Api:Url"] = "http://127.0.0.1:0",
            ["Kestrel:Endpoints:Mqtt:Url"] = "http://127.0.0.1:0",
        });
        var endpoints = server.Services.GetRequiredService<KestrelEndpoints>();
        var http = Assert.Single(endpoints.HttpEndPoints);
        Assert.NotEqual(0, http.Port);
        Assert.Contains($"mqtt://127.0.0.1:{server.MqttPort}", endpoints.Describe());

        var thing = GridServer.NewId("kestrel");
        await server.Client().RegisterThingAsync(thing);
        using var mqtt = new MqttClientFactory().CreateMqttClient();
        var connected = await mqtt.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", server.MqttPort)
            .WithClientId(thing)
            .WithCredentials(thing, GridServer.Token(devices: [thing]))
            .Build());
        Assert.Equal(MqttClientConnectResultCode.Success, connected.ResultCode);
        await mqtt.DisconnectAsync();
    }

    [Fact]
    public async Task Endpoints_UrlsBindWithoutKestrelOverridingThem()
    {
        var logs = new CapturedLogs();
        await using var server = await GridServer.StartAsync(customize: builder => builder.Logging.AddProvider(logs));
        using var health = await server.Http.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.NotEqual(0, server.MqttPort);
        Assert.DoesNotContain(logs.Entries, e => e.Category.StartsWith("Microsoft.AspNetCore.Server.Kestrel", StringComparison.Ordinal) && e.Level >= LogLevel.Warning);
    }

    [Fact]
    public void Endpoints_MqttEndpointWhileMqttIsDisabledIsRefused()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:Mqtt:Url"] = "http://127.0.0.1:0",
            ["Mqtt:Enabled"] = "false",
        }).Build();
        var error = Assert.Throws<InvalidOperationException>(() => new KestrelEndpoints().Bind(new KestrelServerOptions(), configuration));
        Assert.Contains("Mqtt:Enabled", error.Message);
    }
}
