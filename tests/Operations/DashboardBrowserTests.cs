using System.Text.RegularExpressions;
using CommandGrid.Tests.Grid;
using CommandGrid.Tests.Infrastructure;
using CommandGrid.Tests.OpsConsole;
using Microsoft.Playwright;
using Xunit;

namespace CommandGrid.Tests.Operations;

/// <summary>The Orleans Dashboard in a real browser, reached through the operator login.</summary>
[Collection(ChromiumCollection.Name)]
public sealed class DashboardBrowserTests(ChromiumFixture chromium) : ConsoleTestBase(chromium)
{
    [Fact]
    public async Task Dashboard_LoginThenLoadsWithTheClusterCountersAndMethodTables()
    {
        var thing = GridServer.NewId("pump");
        await Rest.RegisterThingAsync(thing);
        await CreateAsync(thing, "start");

        await Page.GotoAsync("/dashboard");
        await Assertions.Expect(Page).ToHaveURLAsync(new Regex("/login\\?returnUrl="));
        await Page.FillAsync("#token", GridServer.Token());
        await Page.ClickAsync("button[type=submit]");
        await Assertions.Expect(Page).ToHaveURLAsync(new Regex("/dashboard/$"));
        await Assertions.Expect(Page).ToHaveTitleAsync("Orleans Dashboard");
        await Assertions.Expect(Page.Locator("#content")).ToContainTextAsync("Active Silos");
        await Assertions.Expect(Page.Locator("#content")).ToContainTextAsync("Total Activations");
        // Per-method profiling is on by default (Dashboard:ProfileGrainCalls): calls made while the page is open fill
        // its method tables, which would otherwise say "No data".
        await Assertions.Expect(Page.Locator("#content")).ToContainTextAsync(new Regex(@"Methods with Most Calls\s*[0-9.]+\s*req/sec"));
        // A few samples for the charts before the picture.
        if (Environment.GetEnvironmentVariable("COMMANDGRID_SCREENSHOTS") == "1")
        {
            await Page.WaitForTimeoutAsync(4000);
        }
        await ScreenshotIfRequestedAsync("dashboard.png");
    }
}
