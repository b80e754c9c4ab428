using System.Net;
using System.Text.RegularExpressions;
using CommandGrid.Tests.Grid;
using CommandGrid.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit;

namespace CommandGrid.Tests.OpsConsole;

/// <summary>
/// The console's registry forms in a real browser against a real grid: registering and editing things, creating
/// static and dynamic groups and managing a static group's members, each checked against the REST API; and the
/// Commands list's Job column.
/// </summary>
[Collection(ChromiumCollection.Name)]
public sealed class RegistryBrowserTests(ChromiumFixture chromium) : ConsoleTestBase(chromium)
{
    private ILocator ThingRow(string thing) => Page.Locator($"#things-body tr[data-thing-id=\"{thing}\"]");

    private ILocator MemberIds => Page.Locator("#members-body td[data-label='Thing ID']");

    [Fact]
    public async Task Things_RegisterAndEditThroughTheForm()
    {
        var thing = GridServer.NewId("boiler");
        await LoginAsync(path: "/console#/things");
        var puts = 0;
        Page.Request += (_, r) => puts += r.Method == "PUT" && r.Url.Contains("/api/v1/things/", StringComparison.Ordinal) ? 1 : 0;

        await Page.ClickAsync("#thing-open");
        await Assertions.Expect(Page.Locator("#thing-form-title")).ToHaveTextAsync("Register Thing");
        await Page.FillAsync("#thing-id", "not a valid id");
        await Page.ClickAsync("#thing-submit");
        await Assertions.Expect(Page.Locator("#thing-error")).ToContainTextAsync("Thing ID: letters, digits");
        await Page.FillAsync("#thing-id", thing);
        await Page.FillAsync("#thing-attributes", "[\"floor\"]");
        await Assertions.Expect(Page.Locator("#thing-error")).ToContainTextAsync("Attributes must be a JSON object");
        await Page.FillAsync("#thing-attributes", "{\"floor\": \"2\", \"vendor\": \"acme\"}");
        await Page.FillAsync("#thing-network", "seven");
        await Page.ClickAsync("#thing-submit");
        await Assertions.Expect(Page.Locator("#thing-error")).ToContainTextAsync("Network ID must be a whole number");
        Assert.Equal(0, puts);

        await Page.FillAsync("#thing-name", "Basement boiler");
        await Page.FillAsync("#thing-network", "7");
        var created = await Page.RunAndWaitForResponseAsync(() => Page.ClickAsync("#thing-submit"), r => r.Url.EndsWith($"/api/v1/things/{thing}", StringComparison.Ordinal));
        Assert.Equal(201, created.Status);
        await Assertions.Expect(Page.Locator("#thing")).Not.ToBeVisibleAsync();
        await Assertions.Expect(ThingRow(thing).Locator("td[data-label=Name]")).ToHaveTextAsync("Basement boiler");
        await Assertions.Expect(Page.Locator("#things-note")).ToHaveTextAsync("1 thing");
        var (_, stored) = await Rest.SendAsync(HttpMethod.Get, $"/api/v1/things/{thing}");
        Assert.Equal("Basement boiler", (string)stored["name"]!);
        Assert.Equal("""{"floor":"2","vendor":"acme"}""", stored["attributes"]!.ToJsonString());
        Assert.Equal(7, (long)stored["networkId"]!);
        await ScreenshotIfRequestedAsync("things.png");

        await ThingRow(thing).Locator("button.edit").ClickAsync();
        await Assertions.Expect(Page.Locator("#thing-form-title")).ToHaveTextAsync($"Edit {thing}");
        await Assertions.Expect(Page.Locator("#thing-id")).ToHaveValueAsync(thing);
        Assert.True(await Page.Locator("#thing-id").IsEditableAsync() == false, "the id of a thing being edited is fixed");
        await Assertions.Expect(Page.Locator("#thing-name")).ToHaveValueAsync("Basement boiler");
        await Assertions.Expect(Page.Locator("#thing-network")).ToHaveValueAsync("7");
        Assert.Contains("\"vendor\": \"acme\"", await Page.InputValueAsync("#thing-attributes"));
        await Page.FillAsync("#thing-name", "Cellar boiler");
        await Page.FillAsync("#thing-device-type", "3");
        var updated = await Page.RunAndWaitForResponseAsync(() => Page.ClickAsync("#thing-submit"), r => r.Url.EndsWith($"/api/v1/things/{thing}", StringComparison.Ordinal));
        Assert.Equal(200, updated.Status);
        await Assertions.Expect(ThingRow(thing).Locator("td[data-label=Name]")).ToHaveTextAsync("Cellar boiler");
        await Assertions.Expect(Page.Locator("#things-body tr")).ToHaveCountAsync(1);
        var (_, edited) = await Rest.SendAsync(HttpMethod.Get, $"/api/v1/things/{thing}");
        Assert.Equal("Cellar boiler", (string)edited["name"]!);
        Assert.Equal(3, (long)edited["deviceTypeId"]!);
        Assert.Equal(7, (long)edited["networkId"]!);
        Assert.Equal(2, puts);
    }

    [Fact]
    public async Task Groups_CreateStaticAndDynamicAndManageMembersThroughTheForms()
    {
        var zone = Guid.NewGuid().ToString("N")[..8];
        var desk = GridServer.NewId("desk");
        var fan = GridServer.NewId("fan");
        await Rest.RegisterThingAsync(desk);
        await Rest.RegisterThingAsync(fan, new { attributes = new { zone } });
        await LoginAsync(path: "/console#/groups");

        var office = GridServer.NewId("office");
        await Page.ClickAsync("#group-open");
        await Page.FillAsync("#group-name", office);
        await Page.FillAsync("#group-description", "the open office");
        var created = await Page.RunAndWaitForResponseAsync(() => Page.ClickAsync("#group-submit"), r => r.Url.EndsWith($"/api/v1/thing-groups/{office}", StringComparison.Ordinal) && r.Request.Method == "PUT");
        Assert.Equal(201, created.Status);
        await Assertions.Expect(Page).ToHaveURLAsync(new Regex($"#/groups/{office}$"));
        await Assertions.Expect(Page.Locator("#members-title")).ToHaveTextAsync($"Members of {office}");
        await Assertions.Expect(Page.Locator($"#groups-body tr[data-group=\"{office}\"] td[data-label=Kind]")).ToHaveTextAsync("static");
        await Assertions.Expect(Page.Locator("#members-empty")).ToBeVisibleAsync();

        await Page.FillAsync("#member-thing", desk);
        await Page.ClickAsync("#member-add");
        await Assertions.Expect(MemberIds).ToHaveTextAsync([desk]);
        await Page.FillAsync("#member-thing", "no-such-thing");
        await Page.ClickAsync("#member-add");
        await Assertions.Expect(Page.Locator("#member-error")).ToContainTextAsync("Not added (404)");
        await Assertions.Expect(MemberIds).ToHaveTextAsync([desk]);
        var (_, registered) = await Rest.SendAsync(HttpMethod.Get, $"/api/v1/things/{desk}");
        Assert.Equal([office], registered["groups"]!.AsArray().Select(g => (string)g!));
        await ScreenshotIfRequestedAsync("groups.png");

        await Page.Locator($"#members-body tr[data-thing-id=\"{desk}\"] button.remove").ClickAsync();
        await Assertions.Expect(MemberIds).ToHaveCountAsync(0);
        await Assertions.Expect(Page.Locator("#members-empty")).ToBeVisibleAsync();
        var (_, removed) = await Rest.SendAsync(HttpMethod.Get, $"/api/v1/thing-groups/{office}/things");
        Assert.Empty(removed["items"]!.AsArray());

        var cooling = GridServer.NewId("cooling");
        await Page.ClickAsync("#group-open");
        await Page.FillAsync("#group-name", cooling);
        await Page.CheckAsync("#group-kind-dynamic");
        await Page.ClickAsync("#group-submit");
        await Assertions.Expect(Page.Locator("#group-error")).ToContainTextAsync("A dynamic group needs");
        await Page.FillAsync("#group-attributes", "{\"zone\": {\"nested\": 1}}");
        await Assertions.Expect(Page.Locator("#group-error")).ToContainTextAsync("must be a string, number or boolean");
        await Page.FillAsync("#group-attributes", $"{{\"zone\": \"{zone}\"}}");
        await Page.ClickAsync("#group-submit");
        await Assertions.Expect(Page).ToHaveURLAsync(new Regex($"#/groups/{cooling}$"));
        await Assertions.Expect(MemberIds).ToHaveTextAsync([fan]);
        // A dynamic group's members follow its query: nothing to add or remove by hand.
        await Assertions.Expect(Page.Locator("#member-add-form")).ToBeHiddenAsync();
        await Assertions.Expect(Page.Locator("#members-body button.remove")).ToHaveCountAsync(0);
        var (status, group) = await Rest.SendAsync(HttpMethod.Get, $"/api/v1/thing-groups/{cooling}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True((bool)group["dynamic"]!);
        Assert.Equal($$"""{"zone":"{{zone}}"}""", group["query"]!["attributes"]!.ToJsonString());
    }

    [Fact]
    public async Task Commands_JobColumnLinksToTheJobAndNoDeviceStatusIsInvented()
    {
        var thing = GridServer.NewId("lamp");
        await Rest.RegisterThingAsync(thing);
        var jobId = GridServer.NewId("dim");
        await Rest.CreateJobAsync(new { jobId, action = "dim", ttl = 600, targets = new { thingIds = new[] { thing } } });
        var executionId = await Rest.FirstJobExecutionAsync(jobId);
        await Rest.SendAsync(HttpMethod.Post, $"/api/v1/jobs/{jobId}/cancel");
        var own = await CreateAsync(thing, "ping");
        await LoginAsync();

        await Assertions.Expect(StatusOf(executionId)).ToHaveTextAsync("CANCELED");
        await Assertions.Expect(Row(executionId).Locator("td[data-label=Job]")).ToHaveTextAsync(jobId);
        await Assertions.Expect(Row((string)own["executionId"]!).Locator("td[data-label=Job]")).ToHaveTextAsync("—");

        await Row(executionId).Locator("td[data-label=Status]").ClickAsync();
        await Assertions.Expect(Page.Locator("#details-fields [data-field=Status]")).ToHaveTextAsync("CANCELED");
        await Assertions.Expect(Page.Locator("#details-fields [data-field=\"Device's status\"]")).ToHaveCountAsync(0);
        await Assertions.Expect(Page.Locator("#details-fields [data-field=Job]")).ToHaveTextAsync(jobId);
        await Page.ClickAsync("#details-close");

        await Row(executionId).Locator("td[data-label=Job] a").ClickAsync();
        await Assertions.Expect(Page).ToHaveURLAsync(new Regex($"#/jobs/{jobId}$"));
        await Assertions.Expect(Page.Locator("#job-title")).ToHaveTextAsync($"Job {jobId}");
        await Assertions.Expect(Page.Locator("#details")).Not.ToBeVisibleAsync();
    }
}
