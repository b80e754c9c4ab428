using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CommandGrid.Tests.Grid;
using CommandGrid.Tests.Infrastructure;
using CommandGrid.Tests.Mqtt.Infrastructure;
using Microsoft.Playwright;
using Xunit;

namespace CommandGrid.Tests.OpsConsole;

/// <summary>The commands console in a real browser against a real grid, with real MQTT devices.</summary>
[Collection(ChromiumCollection.Name)]
public sealed class ConsoleBrowserTests(ChromiumFixture chromium) : ConsoleTestBase(chromium)
{
    [Fact]
    public async Task Console_BrowserWithoutLoginLandsOnLoginNever200()
    {
        var consoleStatuses = new List<int>();
        Page.Response += (_, response) =>
        {
            if (new Uri(response.Url).AbsolutePath.StartsWith("/console", StringComparison.Ordinal))
            {
                consoleStatuses.Add(response.Status);
            }
        };
        var landed = await Page.GotoAsync("/console");
        Assert.Equal("/login", new Uri(Page.Url).AbsolutePath);
        Assert.Equal("/console", System.Web.HttpUtility.ParseQueryString(new Uri(Page.Url).Query)["returnUrl"]);
        Assert.Equal(200, landed!.Status);
        Assert.Equal(302, (await landed.Request.RedirectedFrom!.ResponseAsync())!.Status);
        Assert.NotEmpty(consoleStatuses);
        Assert.DoesNotContain(200, consoleStatuses);
        await Assertions.Expect(Page.Locator("#token")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Login_WrongTokenShowsErrorAndLogoutEndsTheSession()
    {
        await Page.GotoAsync("/console");
        await Page.FillAsync("#token", "not-a-token");
        var refused = await Page.RunAndWaitForResponseAsync(() => Page.ClickAsync("button[type=submit]"), r => r.Url.EndsWith("/login", StringComparison.Ordinal));
        Assert.Equal(401, refused.Status);
        await Assertions.Expect(Page.Locator("#login-error")).ToContainTextAsync("Invalid credentials");

        await Page.FillAsync("#token", GridServer.Token());
        await Page.ClickAsync("button[type=submit]");
        await Assertions.Expect(Page).ToHaveURLAsync(new Regex("/console$"));
        await Assertions.Expect(Page.Locator("#live")).ToHaveAttributeAsync("data-state", "live");
        var cookie = Assert.Single(await Context.CookiesAsync(), c => c.Name == "cg_operator");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);

        await Page.ClickAsync(".logout button");
        await Assertions.Expect(Page).ToHaveURLAsync(new Regex("/login$"));
        Assert.DoesNotContain(await Context.CookiesAsync(), c => c.Name == "cg_operator");
        await Page.GotoAsync("/console");
        Assert.Equal("/login", new Uri(Page.Url).AbsolutePath);
    }

    [Fact]
    public async Task Console_SendFromFormTurnsSentAndShowsTheDeviceAnswerLive()
    {
        var thing = GridServer.NewId("thermo");
        await Rest.RegisterThingAsync(thing, new { name = "Living room" });
        await Rest.RegisterThingAsync(GridServer.NewId("other"));
        await using var device = await DeviceAsync(thing);
        var earlier = await CreateAsync(thing, "reboot");
        var canceled = await CreateAsync(thing, "unlock");
        await Rest.SendAsync(HttpMethod.Post, $"/api/v1/commands/{canceled["executionId"]}/cancel");
        await LoginAsync();

        await Page.ClickAsync("#send-open");
        await Page.FillAsync("#send-thing", "living");
        await Page.ClickAsync($"#send-thing-options li[data-thing-id=\"{thing}\"]");
        await Assertions.Expect(Page.Locator("#send-thing")).ToHaveValueAsync(thing);
        await Page.FillAsync("#send-action", "setTemperature");
        await Page.FillAsync("#send-params", "{\"value\": 24}");
        await Page.FillAsync("#send-ttl", "60");
        await Page.ClickAsync("#send-submit");
        await Assertions.Expect(Page.Locator("#send")).Not.ToBeVisibleAsync();

        var request = await device.WaitForAsync("message", m => JsonNode.Parse((string)m["payload"]!)!["action"]?.GetValue<string>() == "setTemperature");
        var payload = JsonNode.Parse((string)request["payload"]!)!;
        var id = (string)payload["commandId"]!;
        Assert.Equal(24, (int)payload["params"]!["value"]!);
        Assert.Equal(60, (int)payload["ttl"]!);
        await Assertions.Expect(StatusOf(id)).ToHaveTextAsync("SENT");
        await Assertions.Expect(Row(id)).ToContainTextAsync(thing);

        await device.RequestAsync("publish", new
        {
            topic = $"$emqx/commands/things/{thing}/executions/{id}/response",
            // The device's own word: the grid normalises it to SUCCEEDED and keeps it as the device's status.
            payload = """{"status":"done","result":{"currentTemperature":24}}""",
            qos = 1,
        }, "published");
        await Assertions.Expect(StatusOf(id)).ToHaveTextAsync("SUCCEEDED");
        Assert.Equal([id, (string)canceled["executionId"]!, (string)earlier["executionId"]!], await ShownIdsAsync());

        await Row(id).ClickAsync();
        await Assertions.Expect(Page.Locator("#details-result")).ToContainTextAsync("\"currentTemperature\": 24");
        await Assertions.Expect(Page.Locator("#details-params")).ToContainTextAsync("\"value\": 24");
        await Assertions.Expect(Page.Locator("#details-history .status")).ToHaveTextAsync(["PENDING", "SENT", "SUCCEEDED"]);
        await Assertions.Expect(Page.Locator("#details-fields [data-field=\"Device's status\"]")).ToHaveTextAsync("done");
        await Page.ClickAsync("#details-close");
        // Canceled before any device answered: there is no device's word to show.
        await Row((string)canceled["executionId"]!).ClickAsync();
        await Assertions.Expect(Page.Locator("#details-fields [data-field=Status]")).ToHaveTextAsync("CANCELED");
        await Assertions.Expect(Page.Locator("#details-fields [data-field=\"Device's status\"]")).ToHaveCountAsync(0);
        await Page.ClickAsync("#details-close");
        await ScreenshotIfRequestedAsync("console.png");
    }

    [Fact]
    public async Task Console_ParamsAreCheckedBeforeAnythingIsSent()
    {
        var thing = GridServer.NewId("valve");
        await Rest.RegisterThingAsync(thing);
        await LoginAsync();
        var posts = 0;
        Page.Request += (_, r) => posts += r.Method == "POST" && r.Url.Contains("/api/v1/commands", StringComparison.Ordinal) ? 1 : 0;

        await Page.ClickAsync("#send-open");
        await Page.FillAsync("#send-thing", thing);
        await Page.FillAsync("#send-action", "open");
        await Page.FillAsync("#send-params", "{\"value\": ");
        await Assertions.Expect(Page.Locator("#send-error")).ToContainTextAsync("Parameters are not valid JSON");
        await Assertions.Expect(Page.Locator("#send-params")).ToHaveAttributeAsync("aria-invalid", "true");
        await Page.ClickAsync("#send-submit");
        await Assertions.Expect(Page.Locator("#send-error")).ToContainTextAsync("Parameters are not valid JSON");

        await Page.FillAsync("#send-params", "[1, 2]");
        await Page.ClickAsync("#send-submit");
        await Assertions.Expect(Page.Locator("#send-error")).ToContainTextAsync("must be a JSON object");

        await Page.FillAsync("#send-params", "{}");
        await Page.FillAsync("#send-ttl", "ten");
        await Page.ClickAsync("#send-submit");
        await Assertions.Expect(Page.Locator("#send-error")).ToContainTextAsync("TTL must be a whole number");
        await Assertions.Expect(Page.Locator("#send")).ToBeVisibleAsync();
        Assert.Equal(0, posts);
        Assert.Empty(await Rest.ListAllAsync($"thingId={thing}", 100));

        // What only the grid can judge comes back as its own error, shown in the form.
        await Page.FillAsync("#send-ttl", "99999999");
        await Page.ClickAsync("#send-submit");
        await Assertions.Expect(Page.Locator("#send-error")).ToContainTextAsync("Not sent (400)");
        Assert.Equal(1, posts);
    }

    [Fact]
    public async Task Console_FiltersByThingActionAndStatus()
    {
        var a = GridServer.NewId("pump");
        var b = GridServer.NewId("fan");
        await Rest.RegisterThingAsync(a);
        await Rest.RegisterThingAsync(b);
        var aReboot = (string)(await CreateAsync(a, "reboot"))["executionId"]!;
        var aStart = (string)(await CreateAsync(a, "start"))["executionId"]!;
        var bReboot = (string)(await CreateAsync(b, "reboot"))["executionId"]!;
        await Rest.SendAsync(HttpMethod.Post, $"/api/v1/commands/{aStart}/cancel");
        await LoginAsync();
        await Assertions.Expect(Page.Locator("#commands-body tr")).ToHaveCountAsync(3);

        await Page.FillAsync("#filter-thing", a);
        await Page.ClickAsync("#filters button[type=submit]");
        await Assertions.Expect(Page.Locator("#commands-body tr")).ToHaveCountAsync(2);
        Assert.Equal([aStart, aReboot], await ShownIdsAsync());

        await Page.FillAsync("#filter-action", "reboot");
        await Page.ClickAsync("#filters button[type=submit]");
        await Assertions.Expect(Page.Locator("#commands-body tr")).ToHaveCountAsync(1);
        Assert.Equal([aReboot], await ShownIdsAsync());

        await Page.FillAsync("#filter-thing", "");
        await Page.ClickAsync("#filters button[type=submit]");
        await Assertions.Expect(Page.Locator("#commands-body tr")).ToHaveCountAsync(2);
        Assert.Equal([bReboot, aReboot], await ShownIdsAsync());

        await Page.FillAsync("#filter-action", "");
        await Page.SelectOptionAsync("#filter-status", "CANCELED");
        await Page.ClickAsync("#filters button[type=submit]");
        await Assertions.Expect(Page.Locator("#commands-body tr")).ToHaveCountAsync(1);
        Assert.Equal([aStart], await ShownIdsAsync());

        // A new command that does not match the filter stays off the page; one that matches appears.
        var bStart = (string)(await CreateAsync(b, "start"))["executionId"]!;
        await Rest.SendAsync(HttpMethod.Post, $"/api/v1/commands/{bStart}/cancel");
        await Assertions.Expect(Row(bStart)).ToBeVisibleAsync();
        await CreateAsync(b, "stop");
        await Assertions.Expect(Page.Locator("#commands-body tr")).ToHaveCountAsync(2);

        await Page.ClickAsync("#filters button[type=reset]");
        await Assertions.Expect(Page.Locator("#commands-body tr")).ToHaveCountAsync(5);
    }

    [Fact]
    public async Task Console_PagesWithTheRestCursor()
    {
        var thing = GridServer.NewId("meter");
        await Rest.RegisterThingAsync(thing);
        for (var i = 0; i < 12; i++)
        {
            await CreateAsync(thing, $"read-{i}");
        }
        var expected = (await Rest.ListAllAsync($"thingId={thing}", 100)).Select(c => (string)c["executionId"]!).ToArray();
        Assert.Equal(12, expected.Length);
        await LoginAsync();
        await Page.SelectOptionAsync("#filter-limit", "10");
        await Page.ClickAsync("#filters button[type=submit]");
        await Assertions.Expect(Page.Locator("#commands-body tr")).ToHaveCountAsync(10);
        Assert.Equal(expected[..10], await ShownIdsAsync());
        await Assertions.Expect(Page.Locator("#page-prev")).ToBeDisabledAsync();

        await Page.ClickAsync("#page-next");
        await Assertions.Expect(Page.Locator("#commands-body tr")).ToHaveCountAsync(2);
        Assert.Equal(expected[10..], await ShownIdsAsync());
        await Assertions.Expect(Page.Locator("#page-next")).ToBeDisabledAsync();
        await Assertions.Expect(Page.Locator("#page-number")).ToHaveTextAsync("Page 2");

        // A command created while the operator is on page 2 is announced, not slipped into the page.
        var newest = (string)(await CreateAsync(thing, "read-new"))["executionId"]!;
        await Assertions.Expect(Page.Locator("#newer")).ToBeVisibleAsync();
        Assert.Equal(expected[10..], await ShownIdsAsync());

        await Page.ClickAsync("#page-prev");
        await Assertions.Expect(Page.Locator("#page-number")).ToHaveTextAsync("Page 1");
        await Assertions.Expect(Row(newest)).ToBeVisibleAsync();
        var shown = await ShownIdsAsync();
        Assert.Equal([newest, .. expected[..9]], shown);
    }

    [Fact]
    public async Task Console_ShowsTimedOutLiveOnceTheTtlEnds()
    {
        var thing = GridServer.NewId("lamp");
        await Rest.RegisterThingAsync(thing);
        await LoginAsync();

        var created = await CreateAsync(thing, "blink", ttl: 2);
        var id = (string)created["executionId"]!;
        await Assertions.Expect(StatusOf(id)).ToHaveTextAsync("PENDING");
        // No reload: the open page learns of the timeout by itself. When it does is the grid's business
        // (bench/ttl-lateness), what the grid recorded is checked in order.
        await Assertions.Expect(StatusOf(id)).ToHaveTextAsync("TIMED_OUT");
        FleetsApi.AssertTimedOutUnanswered(await Rest.GetCommandAsync(id));
    }

    [Fact]
    public async Task Things_ListsTheRegistryWithSearch()
    {
        var kitchen = GridServer.NewId("sensor");
        var garage = GridServer.NewId("door");
        await Rest.RegisterThingAsync(kitchen, new { name = "Kitchen sensor" });
        await Rest.RegisterThingAsync(garage, new { name = "Garage door" });
        await LoginAsync(path: "/console#/things");
        await Assertions.Expect(Page.Locator("#things-body tr")).ToHaveCountAsync(2);
        await Assertions.Expect(Page.Locator($"#things-body tr[data-thing-id=\"{kitchen}\"]")).ToContainTextAsync("Kitchen sensor");
        await Page.FillAsync("#things-search", "garage");
        await Assertions.Expect(Page.Locator("#things-body tr")).ToHaveCountAsync(1);
        await Assertions.Expect(Page.Locator($"#things-body tr[data-thing-id=\"{garage}\"]")).ToBeVisibleAsync();

        await Page.ClickAsync("#nav-commands");
        await Assertions.Expect(Page.Locator("#commands-view")).ToBeVisibleAsync();
        await Assertions.Expect(Page.Locator("#things-view")).ToBeHiddenAsync();
    }
}

/// <summary>The console at phone width (~390 px): no sideways scrolling, rows as labelled cards.</summary>
[Collection(ChromiumCollection.Name)]
public sealed class ConsolePhoneTests(ChromiumFixture chromium) : ConsoleTestBase(chromium)
{
    protected override ViewportSize Viewport => new() { Width = 390, Height = 844 };

    [Fact]
    public async Task Console_FitsPhoneWidth()
    {
        var thing = GridServer.NewId("phone-thermostat-with-a-long-name");
        await Rest.RegisterThingAsync(thing);
        var id = (string)(await CreateAsync(thing, "setTemperatureToAComfortableLevel"))["executionId"]!;
        await LoginAsync();
        await Assertions.Expect(Row(id)).ToBeVisibleAsync();
        Assert.True(await Page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways at 390 px");
        await Assertions.Expect(Page.Locator("#commands thead")).ToBeHiddenAsync();
        await Assertions.Expect(Page.Locator("#send-open")).ToBeInViewportAsync();

        await Page.ClickAsync("#send-open");
        await Assertions.Expect(Page.Locator("#send-submit")).ToBeVisibleAsync();
        Assert.True(await Page.EvaluateAsync<bool>("() => document.getElementById('send').getBoundingClientRect().right <= window.innerWidth"), "the send dialog is wider than the phone");
        await Page.ClickAsync("#send-cancel");

        await Page.GotoAsync("/console#/things");
        await Assertions.Expect(Page.Locator($"#things-body tr[data-thing-id=\"{thing}\"]")).ToBeVisibleAsync();
        Assert.True(await Page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "the Things tab scrolls sideways at 390 px");
        await Page.ClickAsync($"#things-body tr[data-thing-id=\"{thing}\"] button.edit");
        await Assertions.Expect(Page.Locator("#thing-submit")).ToBeVisibleAsync();
        Assert.True(await Page.EvaluateAsync<bool>("() => document.getElementById('thing').getBoundingClientRect().right <= window.innerWidth"), "the thing dialog is wider than the phone");
    }
}
