using CommandGrid.Grains.Jobs;
using CommandGrid.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Providers;
using Orleans.Storage;
using CommandGrid.Grains.Interfaces;
using Orleans;
using Xunit;
using static CommandGrid.Tests.Grains.JobTestKit;

namespace CommandGrid.Tests.Grains;

/// <summary>The job grain on the shared cluster's fake clock: each Advance of a second is one reminder tick.</summary>
[Collection(GrainClusterCollection.Name)]
public sealed class JobGrainTests(GrainClusterFixture cluster)
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    private IGrainFactory Grains => cluster.Grains;

    [Fact]
    public async Task Jobs_MaxPerMinute600On1000ThingsCreates600PlusOrMinus60PerFakeMinute()
    {
        var things = await RegisterThingsAsync(Grains, 1000);
        var job = NewJob(Grains);
        using var ticks = new ReminderClock(cluster.Clock, job.GetGrainId(), JobGrain.TickReminder);
        await job.CreateAsync(Definition(things, rollout: new JobRollout(600, null)));

        for (var second = 1; second <= 60; second++)
        {
            await ticks.AdvanceAsync(Second);
            // At least the rate's share of each second must have been created by now (the upper bound is checked below).
            await WaitAsync(job, j => j.Created >= 10 * second, $"{10 * second} executions after {second} fake seconds");
        }
        var firstMinute = (await job.GetAsync())!.Created;
        Assert.InRange(firstMinute, 540, 660);

        for (var second = 61; second <= 120; second++)
        {
            await ticks.AdvanceAsync(Second);
            await WaitAsync(job, j => j.Created >= Math.Min(10 * second, 1000), $"{Math.Min(10 * second, 1000)} executions after {second} fake seconds");
        }
        var done = await WaitAsync(job, j => j.Created == 1000, "every thing has its execution");
        Assert.InRange(done.Created - firstMinute, 340, 460);
        Assert.Equal(1000, (await ExecutionsAsync(Grains, done.JobId)).Select(e => e.DeviceId).Distinct().Count());
    }

    [Fact]
    public async Task Jobs_ExponentialRateStepsEachTimeItsCriterionIsMet()
    {
        var things = await RegisterThingsAsync(Grains, 80);
        var job = NewJob(Grains);
        using var ticks = new ReminderClock(cluster.Clock, job.GetGrainId(), JobGrain.TickReminder);
        var created = await job.CreateAsync(Definition(things, rollout: new JobRollout(null, new ExponentialRollout(60, 2, NumberOfSucceededThings: 5, null))));
        Assert.Equal(60, created.RatePerMinute);

        var rates = new List<double>();
        for (var tick = 0; tick < 30 && (await job.GetAsync())!.Created < 80; tick++)
        {
            // Answered on every look, as devices answer whatever reaches them: the tick's page may land after the counts
            // that ended the last wait (an earlier page's recount can show "more created" first).
            JobRecord now = null!;
            await Eventually.TrueAsync(async () =>
            {
                await AnswerAllAsync(Grains, created.JobId, CommandStatus.Succeeded);
                now = (await job.GetAsync())!;
                return now.Count(CommandStatus.Succeeded) == now.Created;
            }, Patience, "every execution so far succeeded");
            if (now.Status != JobStatus.InProgress)
            {
                break;
            }
            // The rate is the base times the factor once for every 5 things that succeeded.
            Assert.Equal(Math.Min(1_000_000, 60 * Math.Pow(2, now.Count(CommandStatus.Succeeded) / 5)), now.RatePerMinute);
            rates.Add(now.RatePerMinute!.Value);
            await ticks.AdvanceAsync(Second);
            await WaitAsync(job, j => j.Created > now.Created, "the next tick created more");
        }
        Assert.Contains(60, rates);
        Assert.Contains(120, rates);
        Assert.Contains(240, rates);
        Assert.True(rates.SequenceEqual(rates.Order()), $"the rate only grows: {string.Join(", ", rates)}");
    }

    [Fact]
    public async Task Jobs_AbortOnFailed50PercentAfter10CancelsEveryUndeliveredExecution()
    {
        var things = await RegisterThingsAsync(Grains, 30);
        var job = NewJob(Grains);
        var rule = new AbortRule(CommandStatus.Failed, 10, 50);
        var created = await job.CreateAsync(Definition(things, abort: [rule]));
        await WaitAsync(job, j => j.Created == 30, "every execution is created");

        await AnswerAllAsync(Grains, created.JobId, CommandStatus.Failed, max: 10);

        var aborted = await WaitAsync(job, j => j.Status == JobStatus.Aborted && j.Count(CommandStatus.Pending) == 0, "the job aborted and canceled the rest");
        Assert.Equal(rule, aborted.AbortRule);
        Assert.Contains("FAILED", aborted.AbortReason);
        Assert.Equal(10, aborted.Count(CommandStatus.Failed));
        Assert.Equal(20, aborted.Count(CommandStatus.Canceled));
        Assert.Empty(await ExecutionsAsync(Grains, created.JobId, CommandStatus.Pending));
        await Assert.ThrowsAsync<JobConflictException>(() => job.CancelAsync(force: false, "test"));
    }

    [Fact]
    public async Task Jobs_ContinuousJobGivesAnExecutionToAThingThatJoinsItsGroup()
    {
        var things = await RegisterThingsAsync(Grains, 3);
        var group = await StaticGroupAsync(Grains, things[..2]);
        var job = NewJob(Grains);
        var created = await job.CreateAsync(Definition(groups: [group], continuous: true));
        await WaitAsync(job, j => j.Created == 2, "the two members have their executions");

        await Grains.GetGrain<IThingGroupGrain>(group).AddThingAsync(things[2]);

        var grown = await WaitAsync(job, j => j.Created == 3, "the thing that joined has its execution");
        Assert.Equal(JobStatus.InProgress, grown.Status);
        Assert.Equal(things.Order(), (await ExecutionsAsync(Grains, created.JobId)).Select(e => e.DeviceId).Order());
        await AnswerAllAsync(Grains, created.JobId, CommandStatus.Succeeded);
        await WaitAsync(job, j => j.Count(CommandStatus.Succeeded) == 3, "all three succeeded");
        // A continuous job stays in progress after every execution ended, until canceled.
        Assert.Equal(JobStatus.InProgress, (await job.GetAsync())!.Status);
        Assert.Equal(JobStatus.Canceled, (await job.CancelAsync(force: false, "test")).Status);
    }

    [Fact]
    public async Task Jobs_ScheduledJobMakesNothingBeforeStartAt()
    {
        var things = await RegisterThingsAsync(Grains, 5);
        var job = NewJob(Grains);
        var startAt = cluster.Clock.GetUtcNow().AddSeconds(30);
        var created = await job.CreateAsync(Definition(things, schedule: new JobSchedule(startAt, null)));
        Assert.Equal(JobStatus.Scheduled, created.Status);
        // A sentinel due at 29 s: once its TTL reminder has fired, so have the job's ticks up to then.
        var sentinel = await GrainTestKit.CreateAsync(Grains, await GrainTestKit.RegisterDeviceAsync(Grains), lifetime: 29);

        for (var second = 0; second < 29; second++)
        {
            cluster.Clock.Advance(Second);
        }
        await Tests.Infrastructure.Eventually.TrueAsync(async () => (await Grains.GetGrain<ICommandGrain>(sentinel.Id).GetAsync())!.Status == CommandStatus.TimedOut,
            Patience, "the sentinel timed out at 29 s");
        Assert.Equal(JobStatus.Scheduled, (await job.GetAsync())!.Status);
        Assert.Empty(await ExecutionsAsync(Grains, created.JobId));

        cluster.Clock.Advance(TimeSpan.FromSeconds(2));
        var started = await WaitAsync(job, j => j.Created == 5, "the job started at startAt");
        Assert.Equal(JobStatus.InProgress, started.Status);
        Assert.True(started.StartedAt >= startAt, $"started {started.StartedAt:O}, before {startAt:O}");
    }

    [Fact]
    public async Task Jobs_EndAtStopsCreatingAndCancelsWhatWasNotDelivered()
    {
        var things = await RegisterThingsAsync(Grains, 100);
        var job = NewJob(Grains);
        var endAt = cluster.Clock.GetUtcNow().AddSeconds(3);
        var created = await job.CreateAsync(Definition(things, rollout: new JobRollout(60, null), schedule: new JobSchedule(null, endAt)));

        for (var second = 0; second < 4; second++)
        {
            cluster.Clock.Advance(Second);
        }
        var ended = await WaitAsync(job, j => j.Status == JobStatus.Completed, "the job ended at endAt");
        Assert.InRange(ended.Created, 1, 10);
        Assert.Equal(ended.Created, ended.Count(CommandStatus.Canceled));
        cluster.Clock.Advance(Second);
        Assert.Equal(ended.Created, (await ExecutionsAsync(Grains, created.JobId)).Count);
    }

    [Fact]
    public async Task Jobs_ARetriedCreateAndARepeatedPageMakeOneExecutionPerThing()
    {
        var things = await RegisterThingsAsync(Grains, 40);
        var group = await StaticGroupAsync(Grains, things[..20]);
        var job = NewJob(Grains);
        var jobId = job.GetPrimaryKeyString();
        // Things 0–19 are named twice (listed and in the group): each still gets one execution.
        var definition = Definition(things, groups: [group]);
        // The first write that would move the cursor past the listed things' page is refused, as a silo that died before
        // it would leave it: the job's next activation finds the page stored and creates it again.
        var storage = (IndexedMemoryGrainStorage)cluster.Silo.GetRequiredKeyedService<IGrainStorage>(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME);
        storage.RefuseNextWrite(state => state is JobState { Page: null, SourceIndex: >= 1 } s && s.JobId == jobId);

        var first = await job.CreateAsync(definition);
        var again = await job.CreateAsync(definition);
        Assert.Equal(first.CreatedAt, again.CreatedAt);
        Assert.Equal(40, first.Targeted);
        await Assert.ThrowsAsync<JobConflictException>(() => job.CreateAsync(definition with { Fingerprint = "another body" }));
        IReadOnlyList<CommandRecord> created = [];
        await Eventually.TrueAsync(async () => (created = await ExecutionsAsync(Grains, jobId)).Count == 40 && !storage.Refusing,
            Patience, "the listed things' page was created and the cursor's move refused");

        // The page is repeated on the next tick: it asks for the same executions again and finds them; the group's page
        // finds its 20 things done. The job completes only once its fan-out has passed every source.
        cluster.Clock.Advance(Second);
        await AnswerAllAsync(Grains, jobId, CommandStatus.Succeeded);
        var completed = await WaitAsync(job, j => j.Status == JobStatus.Completed, "the job completed");
        Assert.Equal([KeyValuePair.Create(CommandStatus.Succeeded, 40L)], completed.Counts.ToArray());
        Assert.Equal(40, completed.Targeted);
        var executions = await ExecutionsAsync(Grains, jobId);
        Assert.Equal(created.Select(e => e.Id).Order(), executions.Select(e => e.Id).Order());
        Assert.Equal(things.Order(), executions.Select(e => e.DeviceId).Order());
    }

    [Fact]
    public async Task Jobs_BadDefinitionsStoreNothing()
    {
        var things = await RegisterThingsAsync(Grains, 1);
        var now = cluster.Clock.GetUtcNow();
        var cases = new (JobDefinition Definition, Type Error)[]
        {
            (Definition(), typeof(CommandValidationException)),
            (Definition(groups: ["no-such-group-" + Guid.NewGuid().ToString("N")]), typeof(GroupNotFoundException)),
            (Definition(["no-such-thing-" + Guid.NewGuid().ToString("N")]), typeof(DeviceNotFoundException)),
            (Definition(things, schedule: new JobSchedule(now.AddMinutes(2), now.AddMinutes(1))), typeof(CommandValidationException)),
        };
        foreach (var (definition, error) in cases)
        {
            var job = NewJob(Grains);
            var thrown = await Record.ExceptionAsync(() => job.CreateAsync(definition));
            Assert.IsType(error, thrown);
            Assert.Null(await job.GetAsync());
        }
    }
}
