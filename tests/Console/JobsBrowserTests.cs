using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CommandGrid.Tests.Grid;
using CommandGrid.Tests.Infrastructure;
using CommandGrid.Tests.Mqtt.Infrastructure;
using Microsoft.Playwright;
using Xunit;

namespace CommandGrid.Tests.OpsConsole;

/// <summary>The console's Jobs tab, a job's page and the Groups page in a real browser against a real grid, with real MQTT devices.</summary>
[Collection(ChromiumCollection.Name)]
public sealed class JobsBrowserTests(ChromiumFixture chromium) : ConsoleTestBase(chromium)
{
    private ILocator JobRow(string jobId) => Page.Locator($"#jobs-body tr[data-job-id=\"{jobId}\"]");

    private ILocator Legend(string status) => Page.Locator($"#job-progress .legend li[data-status=\"{status}\"]");

    [Fact]
    public async Task Jobs_ProgressBarFillsLiveAsDevicesAnswer()
    {
        var things = new[] { GridServer.NewId("bulb"), GridServer.NewId("bulb"), GridServer.NewId("bulb") };
        foreach (var thing in things)
        {
            await Rest.RegisterThingAsync(thing, new { name = "Ceiling lamp" });
        }
        var group = GridServer.NewId("hall");
        await Rest.SaveGroupAsync(group, new { description = "lamps of the hall" });
        await Rest.AddToGroupAsync(group, things[1], things[2]);
        // A job nobody answers beside it: still running, its bar grey, polled all along.
        var offline = GridServer.NewId("heater");
        await Rest.RegisterThingAsync(offline, new { name = "Cellar heater" });
        var waiting = await Rest.CreateJobAsync(new { jobId = GridServer.NewId("firmware"), action = "updateFirmware", ttl = 3600, targets = new { thingIds = new[] { offline } } });
        // Started side by side: each is a node process of its own.
        var devices = await Task.WhenAll(things.Select(DeviceAsync));
        try
        {
            await CreateFromTheFormAndAnswerAsync(things, group, offline, (string)waiting["jobId"]!, devices);
        }
        finally
        {
            foreach (var device in devices)
            {
                await device.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Jobs_AFormJobWithADocumentTimeoutAndRetriesShowsEachExecutionsDetailsVersionAndNumber()
    {
        var thing = GridServer.NewId("pump");
        await Rest.RegisterThingAsync(thing, new { name = "Pump" });
        var p = $"$aws/things/{thing}/jobs/";
        await using var device = await FleetsDevice.StartAsync(Server, thing);
        await device.WaitForAsync("connect");
        await device.RequestAsync("subscribe", new { topic = new[] { p + "notify-next", p + "+/update/accepted" }, qos = 1 }, "subscribed");
        await LoginAsync(path: "/console#/jobs");

        var jobId = GridServer.NewId("firmware");
        await Page.ClickAsync("#job-open");
        await Page.FillAsync("#job-new-id", jobId);
        await Page.FillAsync("#job-document", "{\"operation\": \"install\", \"url\": \"https://example.com/pump.bin\"}");
        await Page.FillAsync("#job-in-progress", "10081");
        await Page.FillAsync("#job-target-search", thing);
        await Page.CheckAsync($"#job-things input[value=\"{thing}\"]");
        await Page.ClickAsync("#job-submit");
        await Assertions.Expect(Page.Locator("#job-form-error")).ToContainTextAsync("from 1 to 10080");
        await Page.FillAsync("#job-in-progress", "30");
        await Page.SelectOptionAsync("#job-retry-type", "FAILED");
        await Page.FillAsync("#job-retry-count", "2");
        await Page.ClickAsync("#job-submit");
        await Assertions.Expect(Page.Locator("#job")).Not.ToBeVisibleAsync();

        var (_, job) = await Rest.SendAsync(HttpMethod.Get, $"/api/v1/jobs/{jobId}");
        Assert.Equal("install", (string)job["action"]!);
        Assert.Equal("https://example.com/pump.bin", (string)job["document"]!["url"]!);
        Assert.Equal(30, (int)job["timeoutConfig"]!["inProgressTimeoutInMinutes"]!);
        Assert.Equal("""{"criteriaList":[{"failureType":"FAILED","numberOfRetries":2}]}""", job["retry"]!.ToJsonString());

        // The device starts its execution and reports progress, then fails it: a retry follows.
        await device.WaitForAsync("message", m => (string)m["topic"]! == p + "notify-next");
        await device.RequestAsync("publish", new { topic = p + "start-next", payload = "{}", qos = 1 }, "published");
        await device.RequestAsync("publish", new { topic = $"{p}{jobId}/update", payload = """{"status":"IN_PROGRESS","statusDetails":{"progress":"50%"}}""", qos = 1 }, "published");
        await device.WaitForAsync("message", m => (string)m["topic"]! == $"{p}{jobId}/update/accepted");
        await Page.GotoAsync($"/console#/jobs/{jobId}");
        await Assertions.Expect(Page.Locator("#job-fields [data-field=Document]")).ToContainTextAsync("\"operation\":\"install\"");
        await Assertions.Expect(Page.Locator("#job-fields [data-field='In-progress timeout']")).ToHaveTextAsync("30 min");
        await Assertions.Expect(Page.Locator("#job-fields [data-field=Retries]")).ToHaveTextAsync("2 after FAILED");
        var first = Page.Locator("#job-executions-body tr").First;
        await Assertions.Expect(first.Locator(".status-details")).ToHaveTextAsync("progress: 50%");
        await Assertions.Expect(first.Locator(".version")).ToHaveTextAsync("3");
        await Assertions.Expect(first.Locator(".execution-number")).ToHaveTextAsync("1");

        await device.RequestAsync("publish", new { topic = $"{p}{jobId}/update", payload = """{"status":"FAILED","statusDetails":{"reason":"disk full"}}""", qos = 1 }, "published");
        await Assertions.Expect(Page.Locator("#job-executions-body tr")).ToHaveCountAsync(2);
        await Assertions.Expect(Page.Locator("#job-executions-body .execution-number")).ToHaveTextAsync(["1", "2"]);
        await Assertions.Expect(Page.Locator("#job-executions-body tr").First.Locator(".status-details")).ToHaveTextAsync("reason: disk full");
    }

    private async Task CreateFromTheFormAndAnswerAsync(string[] things, string group, string offline, string waitingJobId, NodeMqttClient[] devices)
    {
        await LoginAsync(path: "/console#/jobs");
        await Assertions.Expect(JobRow(waitingJobId)).ToBeVisibleAsync();

        var jobId = GridServer.NewId("lights");
        var readsOfTheJob = 0;
        Page.Request += (_, r) => readsOfTheJob += r.Method == "GET" && r.Url.EndsWith($"/api/v1/jobs/{jobId}", StringComparison.Ordinal) ? 1 : 0;
        await Page.ClickAsync("#job-open");
        await Page.FillAsync("#job-new-id", jobId);
        await Page.FillAsync("#job-action", "setBrightness");
        await Page.FillAsync("#job-params", "{\"level\": 80}");
        await Page.FillAsync("#job-ttl", "120");
        await Page.FillAsync("#job-target-search", things[0]);
        await Page.CheckAsync($"#job-things input[value=\"{things[0]}\"]");
        await Page.FillAsync("#job-target-search", "hall");
        await Assertions.Expect(Page.Locator("#job-things input")).ToHaveCountAsync(0);
        await Page.CheckAsync($"#job-groups input[value=\"{group}\"]");
        await Assertions.Expect(Page.Locator("#job-targets-chosen .chip")).ToHaveCountAsync(2);
        await Page.FillAsync("#job-rate", "600");
        await Page.SelectOptionAsync("#job-abort-type", "FAILED");
        await Page.FillAsync("#job-abort-min", "3");
        await Page.FillAsync("#job-abort-percent", "50");
        await Page.ClickAsync("#job-submit");
        await Assertions.Expect(Page.Locator("#job")).Not.ToBeVisibleAsync();

        var bar = JobRow(jobId).Locator(".progress");
        await Assertions.Expect(bar).ToHaveAttributeAsync("aria-valuemax", "3");
        // Set once, read at the end: the page was never reloaded on the way.
        await Page.EvaluateAsync("() => { window.sameDocument = true; }");
        for (var i = 0; i < 3; i++)
        {
            var payload = await AnswerNextRequestAsync(devices[i], things[i], i == 1 ? "FAILED" : "SUCCEEDED");
            Assert.Equal(jobId, (string)payload["jobId"]!);
            Assert.Equal(80, (int)payload["params"]!["level"]!);
            await Assertions.Expect(bar).ToHaveAttributeAsync("aria-valuenow", $"{i + 1}");
            if (i == 1)
            {
                await Assertions.Expect(JobRow(jobId).Locator(".status")).ToHaveTextAsync("IN_PROGRESS");
                await Assertions.Expect(bar).ToHaveAttributeAsync("data-full", "false");
                await ScreenshotIfRequestedAsync("jobs.png");
            }
        }
        await Assertions.Expect(JobRow(jobId).Locator(".status")).ToHaveTextAsync("COMPLETED");
        await Assertions.Expect(bar).ToHaveAttributeAsync("data-full", "true");
        await Assertions.Expect(bar.Locator(".segment")).ToHaveCountAsync(2);
        await Assertions.Expect(bar.Locator(".segment[data-status=SUCCEEDED]")).ToHaveAttributeAsync("data-count", "2");
        await Assertions.Expect(bar.Locator(".segment[data-status=FAILED]")).ToHaveAttributeAsync("data-count", "1");
        await Assertions.Expect(JobRow(jobId).Locator(".ratio")).ToHaveTextAsync("3/3");
        Assert.True(await Page.EvaluateAsync<bool>("() => window.sameDocument === true"), "the page was reloaded");
        await Assertions.Expect(JobRow(waitingJobId).Locator(".status")).ToHaveTextAsync("IN_PROGRESS");
        // A final job is not asked again: two more rounds read the running job and not this one.
        var readsWhenFinal = readsOfTheJob;
        for (var round = 0; round < 2; round++)
        {
            await Page.WaitForRequestAsync(r => r.Url.EndsWith($"/api/v1/jobs/{waitingJobId}", StringComparison.Ordinal));
        }
        Assert.Equal(readsWhenFinal, readsOfTheJob);

        // A job made elsewhere shows up once its first execution is pushed to the page.
        var elsewhere = GridServer.NewId("restart");
        await Rest.CreateJobAsync(new { jobId = elsewhere, action = "restart", ttl = 3600, targets = new { thingIds = new[] { offline } } });
        await Assertions.Expect(JobRow(elsewhere).Locator(".progress")).ToHaveAttributeAsync("aria-valuemax", "1");
        Assert.Equal([elsewhere, jobId, waitingJobId], await Page.Locator("#jobs-body tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.jobId)"));
        Assert.True(await Page.EvaluateAsync<bool>("() => window.sameDocument === true"), "the page was reloaded");

        // What the form posted, as the grid stored it.
        var (_, job) = await Rest.SendAsync(HttpMethod.Get, $"/api/v1/jobs/{jobId}");
        Assert.Equal("setBrightness", (string)job["action"]!);
        Assert.Equal(120, (int)job["ttl"]!);
        Assert.Equal("""{"thingIds":["THING"],"groups":["GROUP"]}""".Replace("THING", things[0]).Replace("GROUP", group), job["targets"]!.ToJsonString());
        Assert.Equal("""{"maxPerMinute":600}""", job["rollout"]!.ToJsonString());
        Assert.Equal("""[{"failureType":"FAILED","minExecutedThings":3,"thresholdPercent":50}]""", job["abort"]!.ToJsonString());
        Assert.Equal("""{"FAILED":1,"SUCCEEDED":2}""", job["counts"]!.ToJsonString());

        await JobRow(jobId).Locator("a.id-link").ClickAsync();
        await Assertions.Expect(Page).ToHaveURLAsync(new Regex($"#/jobs/{jobId}$"));
        await Assertions.Expect(Page.Locator("#job-fields [data-field=Status]")).ToHaveTextAsync("COMPLETED");
        await Assertions.Expect(Page.Locator("#job-fields [data-field=Rollout]")).ToHaveTextAsync("at most 600 per minute");
        await Assertions.Expect(Page.Locator("#job-fields [data-field='Abort rules']")).ToContainTextAsync("FAILED ≥ 50% once 3 have ended");
        await Assertions.Expect(Page.Locator("#job-fields [data-field='Completed At']")).Not.ToHaveTextAsync("—");
        await Assertions.Expect(Legend("SUCCEEDED")).ToHaveTextAsync("2 SUCCEEDED");
        await Assertions.Expect(Page.Locator("#job-executions-body tr")).ToHaveCountAsync(3);
        await Assertions.Expect(Page.Locator("#job-cancel-form")).ToBeHiddenAsync();
        await ScreenshotIfRequestedAsync("job.png");
    }

    [Fact]
    public async Task Jobs_CancelFromTheJobPageCancelsPendingExecutions()
    {
        var offline = Enumerable.Range(0, 11).Select(_ => GridServer.NewId("valve")).ToArray();
        var online = GridServer.NewId("valve");
        foreach (var thing in offline.Append(online))
        {
            await Rest.RegisterThingAsync(thing);
        }
        await using var device = await DeviceAsync(online);
        var jobId = GridServer.NewId("close");
        await Rest.CreateJobAsync(new { jobId, action = "close", ttl = 600, targets = new { thingIds = offline.Append(online).ToArray() } });
        await device.WaitForAsync("message", m => ((string)m["topic"]!).EndsWith("/request", StringComparison.Ordinal));

        await LoginAsync(path: $"/console#/jobs/{jobId}");
        await Assertions.Expect(Page.Locator("#job-title")).ToHaveTextAsync($"Job {jobId}");
        await Assertions.Expect(Legend("PENDING")).ToHaveTextAsync("11 PENDING");
        await Assertions.Expect(Legend("SENT")).ToHaveTextAsync("1 SENT");
        await Page.SelectOptionAsync("#job-executions-limit", "10");
        await Assertions.Expect(Page.Locator("#job-executions-body tr")).ToHaveCountAsync(10);
        await Page.ClickAsync("#job-executions-more");
        await Assertions.Expect(Page.Locator("#job-executions-body tr")).ToHaveCountAsync(12);
        await Assertions.Expect(Page.Locator("#job-executions-more")).ToBeHiddenAsync();
        await Page.SelectOptionAsync("#job-executions-status", "SENT");
        await Assertions.Expect(Page.Locator("#job-executions-body tr")).ToHaveCountAsync(1);
        await Assertions.Expect(Page.Locator("#job-executions-body tr")).ToContainTextAsync(online);

        Assert.False(await Page.IsCheckedAsync("#job-cancel-force"));
        var cancel = await Page.RunAndWaitForRequestAsync(() => Page.ClickAsync("#job-cancel"), r => r.Url.EndsWith($"/api/v1/jobs/{jobId}/cancel", StringComparison.Ordinal));
        Assert.Equal("POST", cancel.Method);
        Assert.Equal("""{"force":false}""", cancel.PostData);
        await Assertions.Expect(Page.Locator("#job-fields [data-field=Status]")).ToHaveTextAsync("CANCELED");
        await Assertions.Expect(Page.Locator("#job-fields [data-field='Abort reason']")).ToContainTextAsync("canceled by user:1");
        await Assertions.Expect(Legend("CANCELED")).ToHaveTextAsync("11 CANCELED");
        await Assertions.Expect(Legend("SENT")).ToHaveTextAsync("1 SENT");
        await Assertions.Expect(Page.Locator("#job-cancel-form")).ToBeHiddenAsync();
        // Without force the delivered execution is left to its device.
        await Assertions.Expect(Page.Locator("#job-executions-body .status")).ToHaveTextAsync(["SENT"]);
        await Page.SelectOptionAsync("#job-executions-status", "CANCELED");
        await Assertions.Expect(Page.Locator("#job-executions-body tr")).ToHaveCountAsync(10);
        await Page.ClickAsync("#job-executions-more");
        await Assertions.Expect(Page.Locator("#job-executions-body tr")).ToHaveCountAsync(11);
        var shown = await Page.Locator("#job-executions-body tr td[data-label=Thing]").AllTextContentsAsync();
        Assert.Equal(offline.Order(), shown.Order());

        var (_, job) = await Rest.SendAsync(HttpMethod.Get, $"/api/v1/jobs/{jobId}");
        Assert.Equal("CANCELED", (string)job["status"]!);
        Assert.Equal("""{"CANCELED":11,"SENT":1}""", job["counts"]!.ToJsonString());
    }

    [Fact]
    public async Task Jobs_BadInputIsShownAndNothingIsPosted()
    {
        var thing = GridServer.NewId("pump");
        const string markup = "<img src=x onerror=\"window.injected = true\"> pump";
        await Rest.RegisterThingAsync(thing, new { name = markup });
        await LoginAsync(path: "/console#/jobs");
        var posts = 0;
        Page.Request += (_, r) => posts += r.Method == "POST" && r.Url.Contains("/api/v1/jobs", StringComparison.Ordinal) ? 1 : 0;

        await Page.ClickAsync("#job-open");
        await Page.FillAsync("#job-action", "start");
        await Page.FillAsync("#job-params", "{\"speed\": ");
        await Assertions.Expect(Page.Locator("#job-form-error")).ToContainTextAsync("Parameters are not valid JSON");
        await Assertions.Expect(Page.Locator("#job-params")).ToHaveAttributeAsync("aria-invalid", "true");
        await Page.ClickAsync("#job-submit");
        await Assertions.Expect(Page.Locator("#job-form-error")).ToContainTextAsync("Parameters are not valid JSON");

        await Page.FillAsync("#job-params", "{\"speed\": 3}");
        await Page.ClickAsync("#job-submit");
        await Assertions.Expect(Page.Locator("#job-form-error")).ToHaveTextAsync("Pick at least one thing or group to target");

        // A name from the registry is shown as text, never parsed as markup.
        await Assertions.Expect(Page.Locator($"#job-things li:has(input[value=\"{thing}\"]) small")).ToHaveTextAsync(markup);
        Assert.Equal(0, await Page.Locator("#job-things img").CountAsync());
        Assert.False(await Page.EvaluateAsync<bool>("() => window.injected === true"));
        await Page.CheckAsync($"#job-things input[value=\"{thing}\"]");
        await Page.SelectOptionAsync("#job-abort-type", "ALL");
        await Page.ClickAsync("#job-submit");
        await Assertions.Expect(Page.Locator("#job-form-error")).ToContainTextAsync("An abort rule needs");
        await Page.FillAsync("#job-abort-min", "2");
        await Page.FillAsync("#job-abort-percent", "150");
        await Assertions.Expect(Page.Locator("#job-form-error")).ToContainTextAsync("Threshold % must be a number above 0 and at most 100");
        await Page.FillAsync("#job-abort-percent", "25");
        await Page.FillAsync("#job-rate", "fast");
        await Page.ClickAsync("#job-submit");
        await Assertions.Expect(Page.Locator("#job-form-error")).ToContainTextAsync("Max executions per minute must be a whole number");
        await Assertions.Expect(Page.Locator("#job")).ToBeVisibleAsync();
        Assert.Equal(0, posts);

        // What only the grid can judge comes back as its own error, shown in the form.
        await Page.FillAsync("#job-rate", "2000000");
        var refused = await Page.RunAndWaitForResponseAsync(() => Page.ClickAsync("#job-submit"), r => r.Url.EndsWith("/api/v1/jobs", StringComparison.Ordinal));
        Assert.Equal(400, refused.Status);
        await Assertions.Expect(Page.Locator("#job-form-error")).ToContainTextAsync("Not created (400): rollout.maxPerMinute must be a whole number from 1 to");
        await Assertions.Expect(Page.Locator("#job")).ToBeVisibleAsync();
        Assert.Equal(1, posts);
        var (_, jobs) = await Rest.SendAsync(HttpMethod.Get, "/api/v1/jobs");
        Assert.Empty(jobs["items"]!.AsArray());
    }

    [Fact]
    public async Task Groups_ListsGroupsAndTheirMembers()
    {
        var members = Enumerable.Range(0, 12).Select(i => GridServer.NewId($"desk{i:00}")).ToArray();
        foreach (var thing in members)
        {
            await Rest.RegisterThingAsync(thing);
        }
        var office = GridServer.NewId("office");
        await Rest.SaveGroupAsync(office, new { description = "desks of the open office" });
        await Rest.AddToGroupAsync(office, members);
        var zone = Guid.NewGuid().ToString("N")[..8];
        var matched = new[] { GridServer.NewId("fan"), GridServer.NewId("fan") };
        foreach (var thing in matched)
        {
            await Rest.RegisterThingAsync(thing, new { name = thing, attributes = new { zone } });
        }
        var cooling = GridServer.NewId("cooling");
        await Rest.SaveGroupAsync(cooling, new { description = "fans by zone", query = new { attributes = new { zone } } });

        await LoginAsync(path: "/console#/groups");
        var officeRow = Page.Locator($"#groups-body tr[data-group=\"{office}\"]");
        var coolingRow = Page.Locator($"#groups-body tr[data-group=\"{cooling}\"]");
        await Assertions.Expect(Page.Locator("#groups-body tr")).ToHaveCountAsync(2);
        await Assertions.Expect(officeRow.Locator("td[data-label=Description]")).ToHaveTextAsync("desks of the open office");
        await Assertions.Expect(officeRow.Locator("td[data-label=Kind]")).ToHaveTextAsync("static");
        await Assertions.Expect(coolingRow.Locator("td[data-label=Kind]")).ToHaveTextAsync("dynamic");
        await Assertions.Expect(coolingRow.Locator("td[data-label=Query]")).ToHaveTextAsync($"zone={zone}");
        await Assertions.Expect(Page.Locator("#members")).ToBeHiddenAsync();

        await officeRow.Locator("a").ClickAsync();
        await Assertions.Expect(Page).ToHaveURLAsync(new Regex($"#/groups/{office}$"));
        await Assertions.Expect(Page.Locator("#members-title")).ToHaveTextAsync($"Members of {office}");
        await Page.SelectOptionAsync("#members-limit", "10");
        await Assertions.Expect(Page.Locator("#members-body tr")).ToHaveCountAsync(10);
        await Page.ClickAsync("#members-more");
        await Assertions.Expect(Page.Locator("#members-body tr")).ToHaveCountAsync(12);
        await Assertions.Expect(Page.Locator("#members-more")).ToBeHiddenAsync();
        // A static group's members in the order they joined.
        Assert.Equal(members, await Page.Locator("#members-body td[data-label='Thing ID']").AllTextContentsAsync());

        await coolingRow.Locator("a").ClickAsync();
        await Assertions.Expect(Page.Locator("#members-title")).ToHaveTextAsync($"Members of {cooling}");
        await Assertions.Expect(Page.Locator("#members-body tr")).ToHaveCountAsync(2);
        Assert.Equal(matched.Order(), (await Page.Locator("#members-body td[data-label='Thing ID']").AllTextContentsAsync()).Order());
    }
}

/// <summary>The Jobs tab, a job's page and the Groups page at phone width (~390 px): no sideways scrolling.</summary>
[Collection(ChromiumCollection.Name)]
public sealed class JobsPhoneTests(ChromiumFixture chromium) : ConsoleTestBase(chromium)
{
    protected override ViewportSize Viewport => new() { Width = 390, Height = 844 };

    private Task<bool> FitsAsync() => Page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth");

    [Fact]
    public async Task Jobs_FitPhoneWidth()
    {
        var thing = GridServer.NewId("phone-irrigation-valve-with-a-long-name");
        await Rest.RegisterThingAsync(thing);
        var group = GridServer.NewId("garden-beds-on-the-south-side");
        await Rest.SaveGroupAsync(group, new { description = "every valve of the south garden beds, watered at dawn" });
        await Rest.AddToGroupAsync(group, thing);
        var jobId = GridServer.NewId("water-the-south-garden-beds");
        await Rest.CreateJobAsync(new { jobId, action = "openForTenMinutesAtDawn", ttl = 600, targets = new { groups = new[] { group } } });
        await LoginAsync(path: "/console#/jobs");

        var row = Page.Locator($"#jobs-body tr[data-job-id=\"{jobId}\"]");
        await Assertions.Expect(row.Locator(".progress")).ToHaveAttributeAsync("aria-valuemax", "1");
        Assert.True(await FitsAsync(), "the Jobs tab scrolls sideways at 390 px");
        await Assertions.Expect(Page.Locator("#jobs thead")).ToBeHiddenAsync();
        foreach (var tab in new[] { "#nav-commands", "#nav-jobs", "#nav-things", "#nav-groups", "#job-open" })
        {
            await Assertions.Expect(Page.Locator(tab)).ToBeInViewportAsync();
        }

        await Page.ClickAsync("#job-open");
        await Assertions.Expect(Page.Locator($"#job-groups input[value=\"{group}\"]")).ToBeVisibleAsync();
        Assert.True(await Page.EvaluateAsync<bool>("() => document.getElementById('job').getBoundingClientRect().right <= window.innerWidth"), "the job form is wider than the phone");
        await Page.ClickAsync("#job-form-cancel");

        await row.Locator("a").ClickAsync();
        await Assertions.Expect(Page.Locator("#job-executions-body tr")).ToHaveCountAsync(1);
        Assert.True(await FitsAsync(), "the job page scrolls sideways at 390 px");

        await Page.ClickAsync("#nav-groups");
        await Page.Locator($"#groups-body tr[data-group=\"{group}\"] a").ClickAsync();
        await Assertions.Expect(Page.Locator("#members-body tr")).ToHaveCountAsync(1);
        Assert.True(await FitsAsync(), "the Groups page scrolls sideways at 390 px");
    }
}

/// <summary>The jobs and groups REST calls these tests make.</summary>
internal static class JobsConsoleApi
{
    public static async Task SaveGroupAsync(this HttpClient rest, string group, object body)
    {
        var response = await rest.PutAsJsonAsync($"/api/v1/thing-groups/{group}", body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"group {group}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    public static async Task AddToGroupAsync(this HttpClient rest, string group, params string[] things)
    {
        foreach (var thing in things)
        {
            var (status, body) = await rest.SendAsync(HttpMethod.Put, $"/api/v1/thing-groups/{group}/things/{thing}");
            Assert.True(status == HttpStatusCode.OK, $"adding {thing} to {group}: {(int)status} {body.ToJsonString()}");
        }
    }

    public static async Task<JsonObject> CreateJobAsync(this HttpClient rest, object body)
    {
        var (status, job) = await rest.SendAsync(HttpMethod.Post, "/api/v1/jobs", JsonContent.Create(body));
        Assert.True(status == HttpStatusCode.Created, $"job: {(int)status} {job.ToJsonString()}");
        return job;
    }
}
