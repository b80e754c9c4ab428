using CommandGrid.Tests.Grid;
using CommandGrid.Tests.Infrastructure;
using CommandGrid.Tests.Tls;
using Microsoft.Playwright;
using Xunit;

namespace CommandGrid.Tests.OpsConsole;

/// <summary>Chromium on the console over HTTPS (a Kestrel endpoint with PEM files): the login, and live updates over WSS.</summary>
[Collection(ChromiumCollection.Name)]
public sealed class ConsoleHttpsBrowserTests(ChromiumFixture chromium) : IDisposable
{
    private readonly TlsTestKit _tls = new();

    public void Dispose() => _tls.Dispose();

    [Fact]
    public async Task ConsoleOverHttps_LogsInAndShowsACommandLive()
    {
        await using var server = await GridServer.StartAsync(endpoints: _tls.HttpsEndpoints());
        // The browser does not know the test's CA: it is told to accept the grid's certificate, and still speaks TLS to it.
        await using var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = server.HttpsUri.ToString().TrimEnd('/'),
            IgnoreHTTPSErrors = true,
        });
        var page = await context.NewPageAsync();
        var response = await page.GotoAsync("/console");
        Assert.StartsWith("https://", response!.Url, StringComparison.Ordinal);
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("^https://.*/login\\?returnUrl="));
        await page.FillAsync("#token", GridServer.Token());
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page.Locator("#live")).ToHaveAttributeAsync("data-state", "live");

        using var rest = server.Client();
        var thing = GridServer.NewId("https");
        await rest.RegisterThingAsync(thing);
        var id = (string)(await rest.CreateCommandAsync(new { thingId = thing, action = "over-https", ttl = 60 }))["executionId"]!;
        await Assertions.Expect(page.Locator($"#commands-body tr[data-execution-id=\"{id}\"] .status")).ToHaveTextAsync("PENDING");
    }
}
