using CommandGrid.Grains;
using CommandGrid.Grains.Jobs;
using Orleans.Configuration;

namespace CommandGrid.Silo;

/// <summary>
/// Orleans refuses a reminder whose period is under <see cref="ReminderOptions.MinimumReminderPeriod"/> (1 minute by
/// default) and warns at start when that minimum is lowered. The grid's reminders need shorter periods, so the minimum
/// is the shortest period it registers, derived here from the two settings that set them:
/// <list type="bullet">
/// <item>a job's tick (<c>Jobs:TickSeconds</c>, 1 s): each tick releases the rollout budget accrued since the last, so
/// a one-minute tick would release a minute's executions at once instead of spreading them;</item>
/// <item>a TTL reminder's repeat (<c>Commands:TtlReminderPeriodSeconds</c>, 10 s): a TTL's first tick comes at its due
/// time whatever the period (bench/README.md, "Reminder period and TTL precision": p50 2 ms and p99 6–7 ms with a
/// 10 s and a 60 s period alike), but a first tick that fails (a silo busy past the response timeout) is retried one
/// period later.</item>
/// </list>
/// Orleans' warning is about grains that tick often for ever; the grid's short reminders end with their command or
/// job, so the warning is replaced by one Information line that says what was chosen and why.
/// </summary>
internal sealed record ReminderPeriods(int JobTickSeconds, int TtlRepeatSeconds)
{
    private const string ValidatorCategory = "Orleans.Hosting.ReminderOptionsValidator";

    public TimeSpan Minimum => TimeSpan.FromSeconds(Math.Max(1, Math.Min(JobTickSeconds, TtlRepeatSeconds)));

    public static ReminderPeriods From(IConfiguration config)
    {
        var commands = new GridOptions();
        config.GetSection("Commands").Bind(commands);
        var jobs = new JobOptions();
        config.GetSection("Jobs").Bind(jobs);
        return new ReminderPeriods(jobs.TickSeconds, commands.TtlReminderPeriodSeconds);
    }

    /// <summary>Quiets Orleans' start-up warning about the minimum chosen here; <see cref="LogChoice"/> says it instead.</summary>
    public static void QuietValidator(ILoggingBuilder logging) => logging.AddFilter(ValidatorCategory, LogLevel.Error);

    public void LogChoice(ILogger logger) =>
        logger.LogInformation(
            "Reminders may tick every {MinimumReminderPeriod} (Orleans' default minimum is a minute): a job ticks every {JobTickSeconds} s to spread "
            + "its rollout, and an unanswered TTL reminder repeats every {TtlReminderPeriodSeconds} s; both end with their job or command",
            Minimum, JobTickSeconds, TtlRepeatSeconds);
}
