using System.Diagnostics;
using CommandGrid.Fuzz;
using CommandGrid.Mqtt.Server;
using CommandGrid.Tests.Infrastructure;
using CommandGrid.Tests.Mqtt.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;
using Xunit.Abstractions;

namespace CommandGrid.Tests.Mqtt;

/// <summary>
/// A short run of the MQTT fuzzer (bench/fuzz, linked in) against a real grid: mutated and random 3.1.1/5.0
/// packets from several connections, before and after CONNECT, while a valid device keeps receiving and
/// answering commands created over REST. The full 1,000,000-packet run is bench/fuzz/run.sh.
/// </summary>
public sealed class FuzzTests(ITestOutputHelper output)
{
    private const string DeviceSecret = "fuzz-test-device-secret";

    [Fact]
    public async Task Fuzz_ListenerSurvivesMutatedPacketsAndKeepsServingAValidDevice()
    {
        await using var server = await GridServer.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Mqtt:DeviceSecret"] = DeviceSecret,
            // Every malformed connection is a protocol-violation warning by design; the run asserts on errors only.
            [$"Logging:LogLevel:{typeof(MqttServer).Namespace}"] = "Error",
        });
        var logs = new CapturedLogs();
        server.Services.GetRequiredService<ILoggerFactory>().AddProvider(logs);
        var options = new FuzzOptions
        {
            Host = "127.0.0.1",
            MqttPort = server.MqttPort,
            HttpBase = server.BaseUri,
            Token = GridServer.Token(),
            DeviceSecret = DeviceSecret,
            Seed = 4242,
            Packets = 50_000,
            Connections = 8,
            CommandIntervalMilliseconds = 50,
            SettleTimeout = TimeSpan.FromSeconds(20),
        };

        var clock = Stopwatch.StartNew();
        var report = await new MqttFuzzer(options).RunAsync();
        output.WriteLine($"{report.PacketsSent} packets, {report.ConnectionsOpened} connections, {report.SessionsAccepted} sessions accepted, " +
            $"{clock.Elapsed.TotalSeconds:F1} s; commands created {report.CommandsCreated}, delivered {report.CommandsDelivered}, " +
            $"answered {report.CommandsAnswered}, confirmed {report.CommandsConfirmed}");
        foreach (var problem in report.Problems)
        {
            output.WriteLine("problem: " + problem);
        }

        Assert.True(report.PacketsSent >= options.Packets, $"only {report.PacketsSent} packets were sent");
        Assert.True(report.ConnectionsOpened > options.Connections, "the fuzzer reconnected after the server closed");
        Assert.Equal(0, report.Hangs);
        Assert.True(report.FreshConnectAccepted, "a fresh valid CONNECT is accepted after the run");
        Assert.True(await MqttFuzzer.FreshConnectAsync(options), "and again");
        Assert.True(report.CommandsCreated > 0, "commands were created during the run");
        Assert.Equal(0, report.CreateFailures);
        Assert.Equal(report.CommandsCreated, report.CommandsDelivered);
        Assert.Equal(report.CommandsCreated, report.CommandsConfirmed);
        Assert.Equal(0, report.DeviceDisconnects);
        var errors = logs.Entries.Where(e => e.Level >= LogLevel.Error).Select(e => $"{e.Category}: {e.Message}").ToList();
        Assert.True(errors.Count == 0, "errors were logged:\n" + string.Join("\n", errors.Take(10)));
    }
}
