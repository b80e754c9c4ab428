using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Xunit;

namespace CommandGrid.Tests.Grid;

/// <summary>Small helpers for the Fleets REST calls the tests make.</summary>
public static class FleetsApi
{
    public static async Task RegisterThingAsync(this HttpClient client, string thingId, object? body = null)
    {
        var response = await client.PutAsJsonAsync($"/api/v1/things/{thingId}", body ?? new { name = thingId });
        Assert.True(response.IsSuccessStatusCode, $"registering {thingId}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    public static async Task<JsonObject> CreateCommandAsync(this HttpClient client, object body)
    {
        var response = await client.PostAsJsonAsync("/api/v1/commands", body);
        var json = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"create: {(int)response.StatusCode} {json}");
        return JsonNode.Parse(json)!.AsObject();
    }

    /// <summary>The id of a one-thing job's execution, once the job has made it (it answers its create before its first rollout step).</summary>
    public static async Task<string> FirstJobExecutionAsync(this HttpClient client, string jobId)
    {
        string? execution = null;
        await Infrastructure.Eventually.TrueAsync(async () =>
        {
            var (_, page) = await client.SendAsync(HttpMethod.Get, $"/api/v1/jobs/{jobId}/executions");
            execution = (string?)page["items"]?.AsArray().FirstOrDefault()?["executionId"];
            return execution is not null;
        }, TimeSpan.FromSeconds(30), $"job {jobId} made its execution");
        return execution!;
    }

    public static async Task<(HttpStatusCode Status, JsonObject Body)> SendAsync(this HttpClient client, HttpMethod method, string path, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? [] : JsonNode.Parse(text)!.AsObject());
    }

    public static async Task<JsonObject> GetCommandAsync(this HttpClient client, string executionId)
    {
        var (status, body) = await client.SendAsync(HttpMethod.Get, $"/api/v1/commands/{executionId}");
        Assert.Equal(HttpStatusCode.OK, status);
        return body;
    }

    public static async Task<List<JsonObject>> ListAllAsync(this HttpClient client, string query, int pageSize)
    {
        var items = new List<JsonObject>();
        string? cursor = null;
        do
        {
            var (status, body) = await client.SendAsync(HttpMethod.Get,
                $"/api/v1/commands?{query}&limit={pageSize}" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}"));
            Assert.Equal(HttpStatusCode.OK, status);
            items.AddRange(body["items"]!.AsArray().Select(i => i!.AsObject()));
            cursor = body["nextCursor"]?.GetValue<string>();
        }
        while (cursor is not null);
        return items;
    }

    public static DateTimeOffset Time(JsonNode? node) => DateTimeOffset.Parse(node!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Now, in the precision of the times the grid writes (whole milliseconds), for order checks against them.</summary>
    public static DateTimeOffset Now() => DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

    /// <summary>When the execution's history says it became <paramref name="status"/>, or null.</summary>
    public static DateTimeOffset? ReachedAt(JsonObject command, string status) =>
        command["history"]?.AsArray().FirstOrDefault(h => (string?)h!["status"] == status) is { } entry ? Time(entry["at"]) : null;

    /// <summary>
    /// An execution nobody answered, ended by its TTL: TIMED_OUT, its history PENDING then TIMED_OUT in time order,
    /// and TIMED_OUT not before its expiresAt (order and outcome; how late is bench/ttl-lateness's measure).
    /// </summary>
    public static void AssertTimedOutUnanswered(JsonObject command)
    {
        Assert.Equal("TIMED_OUT", (string?)command["status"]);
        var history = command["history"]!.AsArray();
        Assert.Equal(["PENDING", "TIMED_OUT"], history.Select(h => (string)h!["status"]!));
        var pendingAt = Time(history[0]!["at"]);
        var timedOutAt = Time(history[1]!["at"]);
        var expiresAt = Time(command["expiresAt"]);
        Assert.True(pendingAt <= timedOutAt, $"history out of order: {history.ToJsonString()}");
        Assert.True(timedOutAt >= expiresAt, $"TIMED_OUT at {timedOutAt:O}, before its expiresAt {expiresAt:O}");
    }
}
