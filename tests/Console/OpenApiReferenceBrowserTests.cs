using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit;

namespace CommandGrid.Tests.OpsConsole;

/// <summary>The API reference at /docs (Scalar, on /openapi/v1.json) in a real browser: open without login, offline, linked from the console.</summary>
[Collection(ChromiumCollection.Name)]
public sealed class OpenApiReferenceBrowserTests(ChromiumFixture chromium) : ConsoleTestBase(chromium)
{
    [Fact]
    public async Task Docs_RendersTheReferenceWithoutLoginFromTheGridAlone()
    {
        var origin = Server.BaseUri.GetLeftPart(UriPartial.Authority);
        var elsewhere = new List<string>();
        Page.Request += (_, r) =>
        {
            if (!r.Url.StartsWith(origin, StringComparison.Ordinal) && !r.Url.StartsWith("data:", StringComparison.Ordinal))
            {
                elsewhere.Add(r.Url);
            }
        };

        var landed = await Page.GotoAsync("/docs");

        Assert.Equal(200, landed!.Status);
        Assert.Equal("/docs", new Uri(Page.Url).AbsolutePath.TrimEnd('/'));
        // Scalar renders the generated document: its title, the first operation, and a section for each resource.
        await Assertions.Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "CommandGrid REST API" })).ToBeVisibleAsync();
        await Assertions.Expect(Page.GetByText("Send a command to a thing").First).ToBeVisibleAsync();
        foreach (var tag in new[] { "Commands", "Things", "Thing groups", "Jobs" })
        {
            await Assertions.Expect(Page.GetByText(tag, new() { Exact = true }).First).ToBeVisibleAsync();
        }
        await Page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        Assert.True(elsewhere.Count == 0, "the page asked outside the grid: " + string.Join(", ", elsewhere));
        await ScreenshotIfRequestedAsync("api-docs.png");
    }

    [Fact]
    public async Task Console_HeaderLinksTheApiReference()
    {
        await LoginAsync();
        await Page.ClickAsync("#nav-api");
        await Assertions.Expect(Page).ToHaveURLAsync(new Regex("/docs/?$"));
        await Assertions.Expect(Page.GetByText("Send a command to a thing").First).ToBeAttachedAsync();
    }
}
