namespace CommandGrid.Tests.Infrastructure;

/// <summary>
/// Logging settings (command-line configuration) for every grid a test starts, in process or as a process: the
/// warnings each test host gives by design are left out, so that a warning in the output means something.
/// </summary>
public static class TestHostLogging
{
    /// <summary>For every host: the expected warnings' categories log errors only.</summary>
    public static IReadOnlyList<string> ExpectedWarningsFiltered { get; } =
    [
        // "ReminderOptions.MinimumReminderPeriod is 00:00:01 …": the TTL reminders' one-second minimum is the
        // product's choice (silo/SiloApp.cs); every silo says so once at start.
        "--Logging:LogLevel:Orleans.Hosting.ReminderOptionsValidator=Error",
        // "Participant check thread has not completed for 01:13:10 …" (the machine's uptime): Orleans 10.4.2's
        // Watchdog.Start starts its platform thread before it sets the component check's timestamp, so a first tick
        // that wins the race measures from 0 and warns once per silo start. Its other warnings (runtime stalls) on
        // a shared 2-core machine say how busy the machine is, not whether a test passed.
        "--Logging:LogLevel:Orleans.Runtime.Watchdog=Error",
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
}
