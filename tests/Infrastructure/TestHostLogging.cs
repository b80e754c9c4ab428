using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CommandGrid.Tests.Infrastructure;

/// <summary>
/// Logging settings (command-line configuration) for every grid a test starts, in process or as a process: the
/// warnings each test host gives by design are left out, so that a warning in the output means something.
/// </summary>
public static class TestHostLogging
{
    /// <summary>What Orleans warns of by a race of its own, not by anything the grid or a test did.</summary>
    public static IReadOnlyList<string> OrleansRaces { get; } =
    [
        // "Participant check thread has not completed for 01:13:10 …" (the machine's uptime): Orleans 10.4.2's
        // Watchdog.Start starts its platform thread before it sets the component check's timestamp, so a first tick
        // that wins the race measures from 0 and warns once per silo start. Its other warnings (runtime stalls) on
        // a shared 2-core machine say how busy the machine is, not whether a test passed.
        "--Logging:LogLevel:Orleans.Runtime.Watchdog=Error",
    ];

    /// <summary>For every host: the expected warnings' categories log errors only.</summary>
    public static IReadOnlyList<string> ExpectedWarningsFiltered { get; } =
    [
        // "ReminderOptions.MinimumReminderPeriod is 00:00:01 …": the grid's silos quiet it themselves
        // (silo/ReminderPeriods.cs); the TestingHost silos of the grain tests set the same minimum without SiloApp.
        "--Logging:LogLevel:Orleans.Hosting.ReminderOptionsValidator=Error",
        .. OrleansRaces,
    ];

    /// <summary>For a grid in the test process, whose console is the test output: warnings and above only.</summary>
    public static IReadOnlyList<string> InProcess { get; } =
    [
        "--Logging:LogLevel:Default=Warning",
        // "Silo not running with ServerGC …" twice per start: the test process runs the workstation GC on purpose
        // (dozens of silos share it); the silo processes run the server GC (Microsoft.NET.Sdk.Web's default).
        "--Logging:LogLevel:Orleans.Runtime.Silo=Error",
        .. ExpectedWarningsFiltered,
    ];

    /// <summary>
    /// Orleans' categories that report, while a silo stops, the work it drops: a one-way notice still on its way
    /// to an activation being torn down ("Failed to address message … is shutting down"), an activation whose
    /// start the stop cancelled, the placement retries in between, and the answer to a call whose turn ended after the
    /// silo's services were disposed ("Exception trying to send a response … ObjectDisposedException", seen once in a
    /// run of 726 tests: a class's shared grid stopped while a call was still in its turn). A
    /// test stops its grid the moment it has seen its outcome, so these come at random after a test that passed; the
    /// notices they drop are rebuilt from storage.
    /// </summary>
    private static readonly string[] QuietOnStop = ["Orleans.Messaging", "Orleans.Grain", "Orleans.Runtime.InsideRuntimeClient", "Polly"];

    /// <summary>Adds the configuration source that <see cref="QuietenOnStop"/> sets (the last one, so it wins).</summary>
    public static void AddStopSettings(WebApplicationBuilder builder) =>
        builder.Configuration.Sources.Add(new MemoryConfigurationSource());

    /// <summary>Once the host begins to stop, <see cref="QuietOnStop"/> log critical entries only (through the logging configuration, which loggers follow live).</summary>
    public static void QuietenOnStop(WebApplication app)
    {
        var configuration = (IConfigurationRoot)app.Configuration;
        var settings = configuration.Providers.OfType<MemoryConfigurationProvider>().Last();
        app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(() =>
        {
            foreach (var category in QuietOnStop)
            {
                settings.Set($"Logging:LogLevel:{category}", "Critical");
            }
            configuration.Reload();
        });
    }
}
