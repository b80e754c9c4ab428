using CommandGrid.Tests.Grid;
using CommandGrid.Tests.Infrastructure;
using CommandGrid.Tests.Mqtt.Infrastructure;
using Microsoft.Playwright;
using Xunit;

// Not "...Tests.Console": a namespace by that name would hide System.Console from every test namespace.
namespace CommandGrid.Tests.OpsConsole;

/// <summary>
/// Debian's chromium driven by Playwright, one browser for the console suites (each test gets a
/// context of its own: its own cookies and storage). Playwright's own browser download does not
/// work here, so the system browser is used; scripts/test.sh installs it.
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    public const string ExecutablePath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException($"{ExecutablePath} is missing: install Debian's chromium (apt-get install -y chromium; scripts/test.sh does).");
        }
        // Waits on page conditions are bounded by this, not by sleeps; generous for a loaded 2-core machine.
        Assertions.SetDefaultExpectTimeout(15_000);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
            ],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }
        _playwright?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class ChromiumCollection : ICollectionFixture<ChromiumFixture>
{
    public const string Name = "Chromium";
}

/// <summary>A grid of its own plus a logged-out browser context on it, per test.</summary>
public abstract class ConsoleTestBase(ChromiumFixture chromium) : IAsyncLifetime
{
    protected GridServer Server { get; private set; } = null!;

    protected HttpClient Rest { get; private set; } = null!;

    protected IBrowserContext Context { get; private set; } = null!;

    protected IPage Page { get; private set; } = null!;

    protected virtual ViewportSize Viewport => new() { Width = 1280, Height = 800 };

    public async Task InitializeAsync()
    {
        Server = await GridServer.StartAsync();
        Rest = Server.Client();
        Context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Server.BaseUri.ToString().TrimEnd('/'),
            ViewportSize = Viewport,
        });
        Page = await Context.NewPageAsync();
    }

    public async Task DisposeAsync()
    {
        await Context.DisposeAsync();
        Rest.Dispose();
        await Server.DisposeAsync();
    }

    /// <summary>Logs in through the form, as an operator would, and waits until the page is live.</summary>
    protected async Task LoginAsync(string? token = null, string path = "/console")
    {
        await Page.GotoAsync(path);
        await Assertions.Expect(Page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/login\\?returnUrl="));
        await Page.FillAsync("#token", token ?? GridServer.Token());
        await Page.ClickAsync("button[type=submit]");
        await Assertions.Expect(Page.Locator("#live")).ToHaveAttributeAsync("data-state", "live");
    }

    /// <summary>An MQTT.js device connected with a token for itself only, subscribed to its execution requests.</summary>
    protected async Task<NodeMqttClient> DeviceAsync(string thing)
    {
        var device = await FleetsDevice.StartAsync(Server, thing);
        await device.WaitForAsync("connect");
        await device.RequestAsync("subscribe", new { topic = $"$emqx/commands/things/{thing}/executions/+/request", qos = 1 }, "subscribed");
        return device;
    }

    /// <summary>The device answers the execution request it receives next with <paramref name="status"/>; returns the request's payload.</summary>
    protected static async Task<System.Text.Json.Nodes.JsonNode> AnswerNextRequestAsync(NodeMqttClient device, string thing, string status, string result = "{}")
    {
        var request = await device.WaitForAsync("message", m => ((string)m["topic"]!).EndsWith("/request", StringComparison.Ordinal));
        var payload = System.Text.Json.Nodes.JsonNode.Parse((string)request["payload"]!)!;
        await device.RequestAsync("publish", new
        {
            topic = $"$emqx/commands/things/{thing}/executions/{(string)payload["commandId"]!}/response",
            payload = $$"""{"status":"{{status}}","result":{{result}}}""",
            qos = 1,
        }, "published");
        return payload;
    }

    protected Task<System.Text.Json.Nodes.JsonObject> CreateAsync(string thingId, string action, int ttl = 300) =>
        Rest.CreateCommandAsync(new { thingId, action, @params = new { }, ttl });

    protected ILocator Row(string executionId) => Page.Locator($"#commands-body tr[data-execution-id=\"{executionId}\"]");

    protected ILocator StatusOf(string executionId) => Row(executionId).Locator(".status");

    protected async Task<string[]> ShownIdsAsync() =>
        [.. await Page.Locator("#commands-body tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.executionId)")];

    /// <summary>With COMMANDGRID_SCREENSHOTS=1, saves the page at 1280×800 as docs/screenshots/{name} for the README.</summary>
    protected async Task ScreenshotIfRequestedAsync(string name)
    {
        if (Environment.GetEnvironmentVariable("COMMANDGRID_SCREENSHOTS") != "1")
        {
            return;
        }
        await Page.SetViewportSizeAsync(1280, 800);
        var path = Path.Combine(TestPaths.RepositoryRoot, "docs", "screenshots", name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // The pointer off the table and highlight animations finished: a still picture of the page at rest.
        await Page.Mouse.MoveAsync(1270, 790);
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, Animations = ScreenshotAnimations.Disabled });
    }
}
