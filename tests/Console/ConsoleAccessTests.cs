using System.Net;
using System.Text.Json.Nodes;
using CommandGrid.Tests.Infrastructure;
using Xunit;

namespace CommandGrid.Tests.OpsConsole;

/// <summary>The operator gate and the login over plain HTTP: what a browser and an API client get, status by status.</summary>
public sealed class ConsoleAccessTests(SharedGridServer grid) : IClassFixture<SharedGridServer>, IDisposable
{
    private readonly GridServer _server = grid.Server;
    private readonly HttpClient _http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = grid.Server.BaseUri };

    public void Dispose() => _http.Dispose();

    private Task<HttpResponseMessage> GetAsync(string path, string? accept = null, string? bearer = null, string? cookie = null) =>
        _http.GetAsync(path, accept, bearer, cookie);

    private Task<HttpResponseMessage> PostLoginAsync(string token, string returnUrl = "/console", string? origin = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token, ["returnUrl"] = returnUrl }),
        };
        if (origin is not null)
        {
            request.Headers.TryAddWithoutValidation("Origin", origin);
        }
        return _http.SendAsync(request);
    }

    private static string BrowserAccept => "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

    [Theory]
    [InlineData("/console")]
    [InlineData("/console/session")]
    [InlineData("/console/assets/console.js")]
    public async Task Gate_BrowserWithoutLoginIsRedirectedToLogin(string path)
    {
        using var response = await GetAsync(path, BrowserAccept);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/login?returnUrl=" + Uri.EscapeDataString(path), response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Login_ServesOnlyItsOwnAssetsOutsideTheGate()
    {
        using var css = await GetAsync("/login/assets/login.css");
        Assert.Equal(HttpStatusCode.OK, css.StatusCode);
        Assert.Equal("text/css", css.Content.Headers.ContentType!.MediaType);
        using var script = await GetAsync("/login/assets/console.js");
        Assert.Equal(HttpStatusCode.NotFound, script.StatusCode);
    }

    [Fact]
    public async Task Gate_ApiCallWithoutTokenGets401()
    {
        using var response = await GetAsync("/console/session", "application/json");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Unauthorized", (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!["code"]!);
        using var badBearer = await GetAsync("/console", BrowserAccept, bearer: "not-a-jwt");
        Assert.Equal(HttpStatusCode.Unauthorized, badBearer.StatusCode);
        using var expired = await GetAsync("/console/session", bearer: GridServer.Token(expires: DateTimeOffset.UtcNow.AddMinutes(-1)));
        Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
        Assert.Contains("Token expired", await expired.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Gate_NonOperatorTokenGets403()
    {
        var user = GridServer.Token(actions: [3, 5, 7]);
        using var api = await GetAsync("/console/session", bearer: user);
        Assert.Equal(HttpStatusCode.Forbidden, api.StatusCode);
        using var cookie = await GetAsync("/console", BrowserAccept, cookie: "cg_operator=" + user);
        Assert.Equal(HttpStatusCode.Forbidden, cookie.StatusCode);
    }

    [Fact]
    public async Task Gate_OperatorBearerGetsSessionUncached()
    {
        var token = GridServer.Token(userId: 7);
        using var response = await GetAsync("/console/session", bearer: token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("no-store", response.Headers.CacheControl!.ToString());
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(token, (string)body["token"]!);
        Assert.Equal(7, (long)body["userId"]!);
    }

    [Fact]
    public async Task Login_SetsStrictHttpOnlyCookieExpiringWithTheToken()
    {
        var expires = DateTimeOffset.UtcNow.AddMinutes(42);
        var token = GridServer.Token(expires: expires);
        using var response = await PostLoginAsync(token, "/console#/things", origin: _server.BaseUri.GetLeftPart(UriPartial.Authority));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/console#/things", response.Headers.Location!.OriginalString);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith($"cg_operator={token};", cookie);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secure", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("expires=" + expires.UtcDateTime.ToString("R"), cookie, StringComparison.OrdinalIgnoreCase);

        using var page = await GetAsync("/console", BrowserAccept, cookie: $"cg_operator={token}");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("connect-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Theory]
    [InlineData("//evil.example/x")]
    [InlineData("/\\evil.example")]
    [InlineData("https://evil.example/")]
    [InlineData("")]
    public async Task Login_ReturnsOnlyToLocalPaths(string returnUrl)
    {
        using var response = await PostLoginAsync(GridServer.Token(), returnUrl);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/console", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Login_RefusesBadTokensWithTheFormAgain()
    {
        using var garbage = await PostLoginAsync("garbage");
        Assert.Equal(HttpStatusCode.Unauthorized, garbage.StatusCode);
        Assert.Contains("Invalid credentials", await garbage.Content.ReadAsStringAsync());
        Assert.False(garbage.Headers.Contains("Set-Cookie"));

        using var wrongKey = await PostLoginAsync(GridServer.Token(secret: "another-secret-that-is-long-enough-for-hs256"));
        Assert.Equal(HttpStatusCode.Unauthorized, wrongKey.StatusCode);

        using var expired = await PostLoginAsync(GridServer.Token(expires: DateTimeOffset.UtcNow.AddSeconds(-5)));
        Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
        Assert.Contains("expired", await expired.Content.ReadAsStringAsync());

        using var refresh = await PostLoginAsync(GridServer.Token(type: 0));
        Assert.Equal(HttpStatusCode.Unauthorized, refresh.StatusCode);

        using var notOperator = await PostLoginAsync(GridServer.Token(actions: [5, 7]));
        Assert.Equal(HttpStatusCode.Forbidden, notOperator.StatusCode);
        Assert.Contains("not an operator", await notOperator.Content.ReadAsStringAsync());
        Assert.False(notOperator.Headers.Contains("Set-Cookie"));

        using var crossSite = await PostLoginAsync(GridServer.Token(), origin: "http://evil.example");
        Assert.Equal(HttpStatusCode.Forbidden, crossSite.StatusCode);
        Assert.False(crossSite.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task Root_OpensTheConsoleOrItsLogin()
    {
        using var root = await GetAsync("/", BrowserAccept);
        Assert.Equal(HttpStatusCode.Redirect, root.StatusCode);
        Assert.Equal("/console", root.Headers.Location!.OriginalString);
        using var console = await GetAsync("/console", BrowserAccept);
        Assert.Equal(HttpStatusCode.Redirect, console.StatusCode);
        Assert.StartsWith("/login?returnUrl=", console.Headers.Location!.OriginalString);
        using var health = await GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Theory]
    [InlineData("/favicon.ico")]
    [InlineData("/favicon.svg")]
    public async Task Favicon_IsServedWithoutLogin(string path)
    {
        using var response = await GetAsync(path, "image/avif,image/webp,image/svg+xml,image/*,*/*;q=0.8");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/svg+xml", response.Content.Headers.ContentType!.MediaType);
        Assert.StartsWith("<svg", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("multipart/form-data; boundary=x", "this is not a multipart body")]
    [InlineData("multipart/form-data", "--x\r\n")]
    public async Task Login_BrokenFormIsABadRequestWithTheForm(string contentType, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/login") { Content = new StringContent(body) };
        request.Content.Headers.Remove("Content-Type");
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {text}");
        Assert.Contains("The login form could not be read", text);
        Assert.Contains("<form method=\"post\" action=\"/login\"", text);
        Assert.False(response.Headers.Contains("Set-Cookie"));
    }
}
