using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CommandGrid.Tests.Infrastructure;
using Json.Schema;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace CommandGrid.Tests.Grid;

/// <summary>
/// Holds /openapi/v1.json to the truth: every route mapped under /api/v1 is in it with its methods, and what real
/// requests through the HTTP door receive, success and each documented error, validates against the schema the
/// document gives for that status, with objects closed (a property the schema does not name fails).
/// </summary>
public sealed class OpenApiDocumentTests : IClassFixture<OpenApiDocumentTests.Grid>
{
    private readonly Grid _grid;

    public OpenApiDocumentTests(Grid grid) => _grid = grid;

    /// <summary>One grid for the class: the cases read and write their own things, groups and jobs on it.</summary>
    public sealed class Grid : IAsyncLifetime
    {
        public GridServer Server { get; private set; } = null!;

        public JsonObject Document { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Server = await GridServer.StartAsync();
            Document = await ReadDocumentAsync(Server);
        }

        public async Task DisposeAsync() => await Server.DisposeAsync();
    }

    private static readonly string[] GlobalErrors = ["401", "403", "429"];

    [Fact]
    public void Document_IsOpenApi31AndListsEveryApiRouteWithItsMethods()
    {
        var document = _grid.Document;
        Assert.StartsWith("3.1.", (string)document["openapi"]!);
        var scheme = document["components"]!["securitySchemes"]!["Bearer"]!;
        Assert.Equal("http", (string)scheme["type"]!);
        Assert.Equal("bearer", (string)scheme["scheme"]!);

        var mapped = MappedApiRoutes(_grid.Server);
        Assert.True(mapped.Count >= 20, $"only {mapped.Count} routes found under /api/v1");
        var documented = DocumentedOperations(document).ToHashSet();
        var missing = mapped.Except(documented).ToList();
        Assert.True(missing.Count == 0, "mapped under /api/v1 but not in the document: " + string.Join(", ", missing));
        var extra = documented.Except(mapped).ToList();
        Assert.True(extra.Count == 0, "in the document but not mapped: " + string.Join(", ", extra));

        var problems = new List<string>();
        foreach (var (path, method, operation) in Operations(document))
        {
            var name = $"{method} {path}";
            if (operation["security"]?.AsArray().Any(r => r!["Bearer"] is not null) != true)
            {
                problems.Add($"{name}: no bearer requirement");
            }
            var responses = operation["responses"]!.AsObject();
            foreach (var (status, response) in responses)
            {
                if (status != "204" && response!["content"]?["application/json"]?["schema"] is null)
                {
                    problems.Add($"{name}: response {status} has no application/json schema");
                }
                if (status[0] is '4' or '5' && (string?)response!["content"]?["application/json"]?["schema"]?["$ref"] != "#/components/schemas/ErrorBody")
                {
                    problems.Add($"{name}: error {status} is not the error body");
                }
            }
            if (!responses.Any(r => r.Key[0] == '2'))
            {
                problems.Add($"{name}: no success response");
            }
            problems.AddRange(GlobalErrors.Where(s => !responses.ContainsKey(s)).Select(s => $"{name}: {s} is not documented"));
            if (method is "POST" or "PUT" && Cases().Any(c => c.Method.Method == method && c.Route == path && c.Body is not null)
                && operation["requestBody"]?["content"]?["application/json"]?["schema"] is null)
            {
                problems.Add($"{name}: takes a body the document does not describe");
            }
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Document_ExamplesValidateAgainstTheirSchemas()
    {
        var schemas = _grid.Document["components"]!["schemas"]!.AsObject();
        var examined = 0;
        foreach (var (name, schema) in schemas)
        {
            foreach (var example in schema!["examples"]?.AsArray() ?? [])
            {
                examined++;
                var errors = Validate(_grid.Document, new JsonObject { ["$ref"] = $"#/components/schemas/{name}" }, example);
                Assert.True(errors.Count == 0, $"the example of {name} does not match its schema:\n{string.Join("\n", errors)}\n{example!.ToJsonString()}");
            }
        }
        Assert.True(examined >= 10, $"only {examined} schema examples");
    }

    [Fact]
    public async Task Responses_EveryRouteAndDocumentedStatusValidatesAgainstTheDocument()
    {
        var server = _grid.Server;
        var document = _grid.Document;
        var full = server.Client();
        await SeedAsync(full);
        using var anonymous = new HttpClient { BaseAddress = server.BaseUri };
        // A valid token whose only action (GetCurrentUser) no REST route takes.
        using var withoutAction = server.Client(GridServer.Token(actions: [10]));
        var exercised = new HashSet<(string Route, string Method, string Status)>();
        var failures = new List<string>();

        var cases = Cases().ToList();
        foreach (var (route, method) in MappedApiRoutes(server))
        {
            var path = route.Replace("{executionId}", "1").Replace("{jobId}", "j").Replace("{group}", "g").Replace("{thingId}", "t");
            cases.Add(new Case(new HttpMethod(method), route, path, null, HttpStatusCode.Unauthorized, Anonymous: true));
            cases.Add(new Case(new HttpMethod(method), route, path, null, HttpStatusCode.Forbidden, WithoutAction: true));
        }
        string? created = null;
        foreach (var listed in cases)
        {
            var c = listed with { Path = listed.Path.Replace(Created, created, StringComparison.Ordinal) };
            var client = c.Anonymous ? anonymous : c.WithoutAction ? withoutAction : full;
            var (status, body, requestBody) = await SendAsync(client, c);
            created ??= status == HttpStatusCode.Created ? (string?)body?["executionId"] : null;
            var name = $"{c.Method} {c.Path} ({c.Route})";
            if (status != c.Expected)
            {
                failures.Add($"{name}: expected {(int)c.Expected}, got {(int)status}: {body?.ToJsonString()}");
                continue;
            }
            exercised.Add((c.Route, c.Method.Method, ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture)));
            failures.AddRange(CheckAgainstDocument(document, c, status, body, requestBody).Select(f => $"{name}: {f}"));
        }

        foreach (var (route, method) in MappedApiRoutes(server))
        {
            if (!Cases().Any(c => c.Route == route && c.Method.Method == method && (int)c.Expected < 300))
            {
                failures.Add($"{method} {route}: no case receives its success");
            }
        }
        foreach (var (path, method, operation) in Operations(document))
        {
            foreach (var (status, _) in operation["responses"]!.AsObject())
            {
                // 429 is the same limiter and body on every route: RateLimit_TooManyRequestsValidatesAgainstTheDocument sends it once.
                if (status != "429" && !exercised.Contains((path, method, status)))
                {
                    failures.Add($"{method} {path}: documented {status}, but no case receives it");
                }
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task RateLimit_TooManyRequestsValidatesAgainstTheDocument()
    {
        await using var server = await GridServer.StartAsync(settings: new Dictionary<string, string?> { ["RateLimit:PermitsPerSecond"] = "1" });
        var document = await ReadDocumentAsync(server);
        using var client = server.Client();
        var c = new Case(HttpMethod.Get, "/api/v1/things", "/api/v1/things", null, HttpStatusCode.TooManyRequests);
        // The bucket holds two permits and refills one a second: a few requests in a row meet the limit.
        (HttpStatusCode Status, JsonNode? Body, JsonNode? Request) answer = default;
        for (var i = 0; i < 50 && answer.Status != HttpStatusCode.TooManyRequests; i++)
        {
            answer = await SendAsync(client, c);
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, answer.Status);
        var failures = CheckAgainstDocument(document, c, answer.Status, answer.Body, null);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>
    /// Each error status the HTTP door gives, whoever raises it (an endpoint, routing, the content-type check, the
    /// status code pages, the auth handlers), carries the code that names that status, in the document's error body.
    /// </summary>
    [Fact]
    public async Task Errors_EachStatusHasTheCodeThatNamesItInTheDocumentsErrorBody()
    {
        var server = _grid.Server;
        using var full = server.Client();
        using var anonymous = new HttpClient { BaseAddress = server.BaseUri };
        using var withoutAction = server.Client(GridServer.Token(actions: [10]));
        HttpRequestMessage Body(HttpMethod method, string path, string body, string? contentType)
        {
            var request = new HttpRequestMessage(method, path) { Content = new StringContent(body, Encoding.UTF8) };
            request.Content.Headers.ContentType = contentType is null ? null : new MediaTypeHeaderValue(contentType);
            return request;
        }
        var cases = new (HttpClient Client, Func<HttpRequestMessage> Request, int Status, string Code)[]
        {
            (full, () => new(HttpMethod.Get, "/api/v1/commands?limit=0"), 400, "BadRequest"),
            (full, () => Body(HttpMethod.Post, "/api/v1/commands", "{not json", "application/json"), 400, "BadRequest"),
            (anonymous, () => new(HttpMethod.Get, "/api/v1/things"), 401, "Unauthorized"),
            (withoutAction, () => new(HttpMethod.Get, "/api/v1/things"), 403, "Forbidden"),
            (full, () => new(HttpMethod.Get, $"/api/v1/things/{Ghost}"), 404, "NotFound"),
            (full, () => new(HttpMethod.Get, "/api/v1/no-such-route"), 404, "NotFound"),
            (full, () => new(HttpMethod.Delete, "/api/v1/commands"), 405, "MethodNotAllowed"),
            (full, () => Body(HttpMethod.Post, "/api/v1/commands", $$"""{"thingId":"{{Thing}}","action":"a","clientToken":"err-token"}""", "application/json"), 201, ""),
            (full, () => Body(HttpMethod.Post, "/api/v1/commands", $$"""{"thingId":"{{Thing}}","action":"b","clientToken":"err-token"}""", "application/json"), 409, "Conflict"),
            (full, () => Body(HttpMethod.Post, "/api/v1/commands", Oversized, "application/json"), 413, "PayloadTooLarge"),
            (full, () => Body(HttpMethod.Post, "/api/v1/commands", "{}", "text/plain"), 415, "UnsupportedMediaType"),
            (full, () => Body(HttpMethod.Post, "/api/v1/commands", "token=x", "application/x-www-form-urlencoded"), 415, "UnsupportedMediaType"),
            (full, () => Body(HttpMethod.Put, $"/api/v1/things/{Thing}", "name=x", "application/x-www-form-urlencoded"), 415, "UnsupportedMediaType"),
        };
        await full.RegisterThingAsync(Thing);
        var schema = new JsonObject { ["$ref"] = "#/components/schemas/ErrorBody" };
        var failures = new List<string>();
        foreach (var (client, make, status, code) in cases)
        {
            using var request = make();
            var name = $"{request.Method} {request.RequestUri}";
            using var response = await client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            if ((int)response.StatusCode != status)
            {
                failures.Add($"{name}: expected {status}, got {(int)response.StatusCode}: {text}");
                continue;
            }
            if (status < 300)
            {
                continue;
            }
            var body = JsonNode.Parse(text);
            if ((string?)body?["error"]?["code"] != code)
            {
                failures.Add($"{name}: expected code {code}, got {text}");
            }
            failures.AddRange(Validate(_grid.Document, schema, body).Select(e => $"{name}: {e}"));
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        var codes = _grid.Document["components"]!["schemas"]!["ErrorDetail"]!["properties"]!["code"]!["enum"]!.AsArray().Select(c => (string)c!).ToList();
        Assert.Equal(codes.Count, codes.Distinct().Count());
        Assert.Contains("UnsupportedMediaType", codes);
        Assert.Contains("InternalError", codes);
    }

    /// <summary>A request and the status it must get; the route is the template it is documented under.</summary>
    private sealed record Case(HttpMethod Method, string Route, string Path, string? Body, HttpStatusCode Expected,
        bool Anonymous = false, bool WithoutAction = false);

    private const string Thing = "oa-thing";
    private const string Static = "oa-static";
    private const string Dynamic = "oa-dynamic";
    private const string JobId = "oa-job";
    private const string FinishedJob = "oa-job-finished";
    private const string Ghost = "oa-ghost";

    /// <summary>In a case's path: the executionId of the execution the first case created.</summary>
    private const string Created = "{created}";

    private static readonly string Oversized = "{\"blob\":\"" + new string('x', 90_000) + "\"}";

    /// <summary>What the cases below need to exist: a thing, a static group it is in, a dynamic group, a job that is over.</summary>
    private static async Task SeedAsync(HttpClient client)
    {
        await client.RegisterThingAsync(Thing);
        foreach (var (path, body) in new[]
        {
            ($"/api/v1/thing-groups/{Static}", "{}"),
            ($"/api/v1/thing-groups/{Dynamic}", """{"query":{"attributes":{"floor":"2"}}}"""),
            ($"/api/v1/thing-groups/{Static}/things/{Thing}", null),
        })
        {
            using var request = new HttpRequestMessage(HttpMethod.Put, path) { Content = body is null ? null : new StringContent(body, Encoding.UTF8, "application/json") };
            Assert.True((await client.SendAsync(request)).IsSuccessStatusCode, path);
        }
        // A job is over (COMPLETED) once its one execution is: canceling the job then is a conflict.
        var (created, _) = await client.SendAsync(HttpMethod.Post, "/api/v1/jobs",
            JsonContent.Create(new { jobId = FinishedJob, action = "update", targets = new { thingIds = new[] { Thing } } }));
        Assert.Equal(HttpStatusCode.Created, created);
        var execution = await client.FirstJobExecutionAsync(FinishedJob);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(HttpMethod.Post, $"/api/v1/commands/{execution}/cancel")).Status);
        var (_, job) = await client.SendAsync(HttpMethod.Get, $"/api/v1/jobs/{FinishedJob}/wait?timeout=30");
        Assert.Equal("COMPLETED", (string?)job["status"]);
    }

    /// <summary>
    /// Success and each documented error of every route (401 and 403 for a missing action are added for every mapped
    /// route). In order: a case may rely on the one before it (a cancel before the cancel of the final execution).
    /// </summary>
    private static IEnumerable<Case> Cases()
    {
        const string commands = "/api/v1/commands";
        const string execution = "/api/v1/commands/{executionId}";
        var create = $$"""{"thingId":"{{Thing}}","action":"reboot","params":{"delay":5},"ttl":300,"clientToken":"oa-token"}""";
        yield return new(HttpMethod.Post, commands, commands, create, HttpStatusCode.Created);
        yield return new(HttpMethod.Post, commands, commands, """{"action":"reboot"}""", HttpStatusCode.BadRequest);
        yield return new(HttpMethod.Post, commands, commands, $$"""{"thingId":"{{Ghost}}","action":"reboot"}""", HttpStatusCode.NotFound);
        yield return new(HttpMethod.Post, commands, commands, $$"""{"thingId":"{{Thing}}","action":"other","clientToken":"oa-token"}""", HttpStatusCode.Conflict);
        yield return new(HttpMethod.Post, commands, commands, $$"""{"thingId":"{{Thing}}","action":"reboot","params":{{Oversized}}}""", HttpStatusCode.RequestEntityTooLarge);
        yield return new(HttpMethod.Get, commands, $"{commands}?thingId={Thing}&limit=5", null, HttpStatusCode.OK);
        yield return new(HttpMethod.Get, commands, $"{commands}?limit=0", null, HttpStatusCode.BadRequest);
        yield return new(HttpMethod.Get, execution, $"{commands}/{Created}", null, HttpStatusCode.OK);
        yield return new(HttpMethod.Get, execution, $"{commands}/abc", null, HttpStatusCode.BadRequest);
        yield return new(HttpMethod.Get, execution, $"{commands}/999999999", null, HttpStatusCode.NotFound);
        yield return new(HttpMethod.Get, execution + "/wait", $"{commands}/{Created}/wait?timeout=0", null, HttpStatusCode.OK);
        yield return new(HttpMethod.Get, execution + "/wait", $"{commands}/{Created}/wait?timeout=-1", null, HttpStatusCode.BadRequest);
        yield return new(HttpMethod.Get, execution + "/wait", $"{commands}/999999999/wait?timeout=0", null, HttpStatusCode.NotFound);
        yield return new(HttpMethod.Post, execution + "/cancel", $"{commands}/{Created}/cancel", null, HttpStatusCode.OK);
        yield return new(HttpMethod.Post, execution + "/cancel", $"{commands}/{Created}/cancel", null, HttpStatusCode.Conflict);
        yield return new(HttpMethod.Post, execution + "/cancel", $"{commands}/abc/cancel", null, HttpStatusCode.BadRequest);
        yield return new(HttpMethod.Post, execution + "/cancel", $"{commands}/999999999/cancel", null, HttpStatusCode.NotFound);

        const string things = "/api/v1/things";
        const string thing = "/api/v1/things/{thingId}";
        yield return new(HttpMethod.Put, thing, $"{things}/oa-new", """{"name":"New","attributes":{"floor":"2"},"networkId":7}""", HttpStatusCode.Created);
        yield return new(HttpMethod.Put, thing, $"{things}/oa-new", """{"name":"Renamed"}""", HttpStatusCode.OK);
        yield return new(HttpMethod.Put, thing, $"{things}/oa-new", """{"name":5}""", HttpStatusCode.BadRequest);
        yield return new(HttpMethod.Put, thing, $"{things}/oa-new", $$"""{"attributes":{{Oversized}}}""", HttpStatusCode.RequestEntityTooLarge);
        yield return new(HttpMethod.Get, thing, $"{things}/{Thing}", null, HttpStatusCode.OK);
        yield return new(HttpMethod.Get, thing, $"{things}/bad%20id", null, HttpStatusCode.BadRequest);
        yield return new(HttpMethod.Get, thing, $"{things}/{Ghost}", null, HttpStatusCode.NotFound);
        yield return new(HttpMethod.Get, things, $"{things}?limit=5", null, HttpStatusCode.OK);
        yield return new(HttpMethod.Get, things, $"{things}?limit=0", null, HttpStatusCode.BadRequest);

        const string groups = "/api/v1/thing-groups";
        const string group = "/api/v1/thing-groups/{group}";
        const string members = "/api/v1/thing-groups/{group}/things";
        const string member = "/api/v1/thing-groups/{group}/things/{thingId}";
        yield return new(HttpMethod.Put, group, $"{groups}/oa-group", """{"description":"a static group"}""", HttpStatusCode.Created);
        yield return new(HttpMethod.Put, group, $"{groups}/{Dynamic}", """{"description":"floor 2","query":{"networkId":7,"attributes":{"floor":"2"}}}""", HttpStatusCode.OK);
        yield return new(HttpMethod.Put, group, $"{groups}/oa-group", """{"description":5}""", HttpStatusCode.BadRequest);
        yield return new(HttpMethod.Put, group, $"{groups}/oa-group", $$"""{"description":{{Oversized}}}""", HttpStatusCode.RequestEntityTooLarge);
        yield return new(HttpMethod.Get, group, $"{groups}/{Dynamic}", null, HttpStatusCode.OK);
        yield return new(HttpMethod.Get, group, $"{groups}/bad%20name", null, HttpStatusCode.BadRequest);
        yield return new(HttpMethod.Get, group, $"{groups}/{Ghost}", null, HttpStatusCode.NotFound);
        yield return new(HttpMethod.Get, groups, $"{groups}?limit=5", null, HttpStatusCode.OK);
        yield return new(HttpMethod.Get, groups, $"{groups}?limit=0", null, HttpStatusCode.BadRequest);
        yield return new(HttpMethod.Get, members, $"{groups}/{Static}/things", null, HttpStatusCode.OK);
        yield return new(HttpMethod.Get, members, $"{groups}/{Static}/things?limit=0", null, HttpStatusCode.BadRequest);
        yield return new(HttpMethod.Get, members, $"{groups}/{Ghost}/things", null, HttpStatusCode.NotFound);
        yield return new(HttpMethod.Put, member, $"{groups}/oa-group/things/{Thing}", null, HttpStatusCode.OK);
        yield return new(HttpMethod.Put, member, $"{groups}/{Dynamic}/things/{Thing}", null, HttpStatusCode.BadRequest);
        yield return new(HttpMethod.Put, member, $"{groups}/oa-group/things/{Ghost}", null, HttpStatusCode.NotFound);
        yield return new(HttpMethod.Delete, member, $"{groups}/oa-group/things/{Thing}", null, HttpStatusCode.NoContent);
        yield return new(HttpMethod.Delete, member, $"{groups}/{Dynamic}/things/{Thing}", null, HttpStatusCode.BadRequest);
        yield return new(HttpMethod.Delete, member, $"{groups}/{Ghost}/things/{Thing}", null, HttpStatusCode.NotFound);

        const string jobs = "/api/v1/jobs";
        const string job = "/api/v1/jobs/{jobId}";
        var createJob = $$$$"""
            {"jobId":"{{{{JobId}}}}","action":"update","params":{"version":"1.5"},"ttl":600,"targets":{"thingIds":["{{{{Thing}}}}"],"groups":["{{{{Static}}}}"]},
             "rollout":{"exponential":{"baseRatePerMinute":10,"incrementFactor":2,"rateIncreaseCriteria":{"numberOfSucceededThings":5}}},
             "abort":[{"failureType":"ALL","minExecutedThings":10,"thresholdPercent":50}],"schedule":{"endAt":"2099-01-01T00:00:00Z"}}
            """;
        yield return new(HttpMethod.Post, jobs, jobs, createJob, HttpStatusCode.Created);
        yield return new(HttpMethod.Post, jobs, jobs, """{"action":"update"}""", HttpStatusCode.BadRequest);
        yield return new(HttpMethod.Post, jobs, jobs, $$$"""{"action":"update","targets":{"groups":["{{{Ghost}}}"]}}""", HttpStatusCode.NotFound);
        yield return new(HttpMethod.Post, jobs, jobs, $$$"""{"jobId":"{{{JobId}}}","action":"other","targets":{"thingIds":["{{{Thing}}}"]}}""", HttpStatusCode.Conflict);
        yield return new(HttpMethod.Post, jobs, jobs, $$$"""{"action":"update","params":{{{Oversized}}},"targets":{"thingIds":["{{{Thing}}}"]}}""", HttpStatusCode.RequestEntityTooLarge);
        yield return new(HttpMethod.Get, jobs, $"{jobs}?limit=5", null, HttpStatusCode.OK);
        yield return new(HttpMethod.Get, jobs, $"{jobs}?status=bogus", null, HttpStatusCode.BadRequest);
        yield return new(HttpMethod.Get, job, $"{jobs}/{JobId}", null, HttpStatusCode.OK);
        yield return new(HttpMethod.Get, job, $"{jobs}/bad%20id", null, HttpStatusCode.BadRequest);
        yield return new(HttpMethod.Get, job, $"{jobs}/{Ghost}", null, HttpStatusCode.NotFound);
        yield return new(HttpMethod.Get, job + "/executions", $"{jobs}/{JobId}/executions", null, HttpStatusCode.OK);
        yield return new(HttpMethod.Get, job + "/executions", $"{jobs}/{JobId}/executions?status=bogus", null, HttpStatusCode.BadRequest);
        yield return new(HttpMethod.Get, job + "/executions", $"{jobs}/{Ghost}/executions", null, HttpStatusCode.NotFound);
        yield return new(HttpMethod.Get, job + "/wait", $"{jobs}/{JobId}/wait?timeout=0", null, HttpStatusCode.OK);
        yield return new(HttpMethod.Get, job + "/wait", $"{jobs}/{JobId}/wait?timeout=-1", null, HttpStatusCode.BadRequest);
        yield return new(HttpMethod.Get, job + "/wait", $"{jobs}/{Ghost}/wait?timeout=0", null, HttpStatusCode.NotFound);
        yield return new(HttpMethod.Post, job + "/cancel", $"{jobs}/{JobId}/cancel", """{"force":true}""", HttpStatusCode.OK);
        yield return new(HttpMethod.Post, job + "/cancel", $"{jobs}/{FinishedJob}/cancel", null, HttpStatusCode.Conflict);
        yield return new(HttpMethod.Post, job + "/cancel", $"{jobs}/{JobId}/cancel", """{"force":"yes"}""", HttpStatusCode.BadRequest);
        yield return new(HttpMethod.Post, job + "/cancel", $"{jobs}/{Ghost}/cancel", null, HttpStatusCode.NotFound);
        yield return new(HttpMethod.Post, job + "/cancel", $"{jobs}/{JobId}/cancel", Oversized, HttpStatusCode.RequestEntityTooLarge);
    }

    private static async Task<(HttpStatusCode Status, JsonNode? Body, JsonNode? Request)> SendAsync(HttpClient client, Case c)
    {
        using var request = new HttpRequestMessage(c.Method, c.Path);
        if (c.Body is not null)
        {
            request.Content = new StringContent(c.Body, Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        JsonNode? requestBody = null;
        if (c.Body is not null && c.Body.Length < 10_000)
        {
            requestBody = JsonNode.Parse(c.Body);
        }
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text), requestBody);
    }

    /// <summary>The answer against the document's response for its route, method and status; a successful request's body against the request schema.</summary>
    private static List<string> CheckAgainstDocument(JsonObject document, Case c, HttpStatusCode status, JsonNode? body, JsonNode? requestBody)
    {
        var failures = new List<string>();
        var operation = Operations(document).Where(o => o.Path == c.Route && o.Method == c.Method.Method).Select(o => o.Operation).FirstOrDefault();
        if (operation is null)
        {
            return [$"the document has no {c.Method} {c.Route}"];
        }
        var code = ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (operation["responses"]?[code] is not { } response)
        {
            return [$"answered {code}, which the document does not list"];
        }
        if (response["content"]?["application/json"]?["schema"] is { } schema)
        {
            failures.AddRange(Validate(document, schema, body).Select(e => $"{code} body: {e}"));
        }
        else if (body is not null)
        {
            failures.Add($"{code} has a body the document does not describe");
        }
        // A body the grid accepted must also be one the document's request schema accepts.
        if ((int)status < 300 && requestBody is not null)
        {
            var requestSchema = operation["requestBody"]?["content"]?["application/json"]?["schema"];
            failures.AddRange(requestSchema is null
                ? ["the request body is not in the document"]
                : Validate(document, requestSchema, requestBody).Select(e => $"request body: {e}"));
        }
        return failures;
    }

    /// <summary>
    /// Validates against one schema of the document, its references resolved within the document's components,
    /// with every object schema that names its properties closed to others.
    /// </summary>
    private static List<string> Validate(JsonObject document, JsonNode schema, JsonNode? instance)
    {
        var definitions = new JsonObject();
        foreach (var (name, definition) in document["components"]!["schemas"]!.AsObject())
        {
            definitions[name] = Closed(definition!.DeepClone());
        }
        var root = Closed(schema.DeepClone())!.AsObject();
        root["$schema"] = "https://json-schema.org/draft/2020-12/schema";
        root["$defs"] = definitions;
        var text = root.ToJsonString().Replace("#/components/schemas/", "#/$defs/", StringComparison.Ordinal);
        var built = JsonSchema.FromText(text, new BuildOptions { SchemaRegistry = new SchemaRegistry() });
        using var json = JsonDocument.Parse(instance?.ToJsonString() ?? "null");
        var result = built.Evaluate(json.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        return result.IsValid
            ? []
            : [.. (result.Details ?? []).Where(d => d.Errors is { Count: > 0 }).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value} ({d.EvaluationPath})"))];
    }

    // Examples and enumerations hold data, not schemas: they are left as they are.
    private static readonly string[] DataKeywords = ["examples", "example", "enum", "const", "default"];

    private static JsonNode? Closed(JsonNode? node)
    {
        if (node is JsonObject schema)
        {
            if (schema["properties"] is JsonObject && schema["additionalProperties"] is null)
            {
                schema["additionalProperties"] = false;
            }
            foreach (var (key, value) in schema.ToList())
            {
                if (!DataKeywords.Contains(key))
                {
                    Closed(value);
                }
            }
        }
        else if (node is JsonArray items)
        {
            foreach (var item in items)
            {
                Closed(item);
            }
        }
        return node;
    }

    private static async Task<JsonObject> ReadDocumentAsync(GridServer server)
    {
        // Read without a token: the document is open, the API behind it is not.
        using var anonymous = new HttpClient { BaseAddress = server.BaseUri };
        using var response = await anonymous.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    /// <summary>Every (route template, method) the app maps under /api/v1, from its endpoint data source.</summary>
    private static HashSet<(string Route, string Method)> MappedApiRoutes(GridServer server) =>
    [
        .. server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/v1/", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"])
                .Select(m => (Route: e.RoutePattern.RawText!.TrimEnd('/'), Method: m))),
    ];

    private static IEnumerable<(string Route, string Method)> DocumentedOperations(JsonObject document) =>
        Operations(document).Select(o => (o.Path, o.Method));

    private static IEnumerable<(string Path, string Method, JsonObject Operation)> Operations(JsonObject document) =>
        from path in document["paths"]!.AsObject()
        from operation in path.Value!.AsObject()
        where operation.Value is JsonObject && operation.Key is "get" or "put" or "post" or "delete" or "patch" or "head" or "options"
        // ASP.NET Core keeps a group's "/" as a trailing slash ("/api/v1/commands/"); the routes are compared without it.
        select (path.Key.TrimEnd('/'), operation.Key.ToUpperInvariant(), operation.Value!.AsObject());
}
