using CommandGrid.Gateway.Auth;
using CommandGrid.Gateway.Commands;
using CommandGrid.Grains.Interfaces;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace CommandGrid.Gateway.Rest;

/// <summary>Fleet jobs: /api/v1/jobs. A job spans many things, so it needs a token for every device.</summary>
internal static class JobsEndpoints
{
    public static RouteGroupBuilder MapJobs(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/jobs");
        group.MapPost("/", CreateAsync).RequireDeviceHiveAction(DeviceHiveAction.CreateDeviceCommand);
        group.MapGet("/", ListAsync).RequireDeviceHiveAction(DeviceHiveAction.GetDeviceCommand);
        group.MapGet("/{jobId}", GetAsync).RequireDeviceHiveAction(DeviceHiveAction.GetDeviceCommand);
        group.MapGet("/{jobId}/executions", ExecutionsAsync).RequireDeviceHiveAction(DeviceHiveAction.GetDeviceCommand);
        group.MapPost("/{jobId}/cancel", CancelAsync).RequireDeviceHiveAction(DeviceHiveAction.CreateDeviceCommand);
        group.MapGet("/{jobId}/wait", WaitAsync).RequireDeviceHiveAction(DeviceHiveAction.GetDeviceCommand);
        return group;
    }

    private static async Task<IResult> CreateAsync(HttpContext http, CommandRules rules, IOptions<JobLimits> limits, JobService jobs)
    {
        var token = http.User.DeviceHiveToken();
        ThingGroupsEndpoints.EnsureEveryDevice(token);
        var body = await JsonBody.ReadObjectAsync(http.Request, rules.Limits.MaxMessageBytes);
        var request = JobRequest.Read(body, rules, limits.Value, token.UserId);
        var created = await jobs.CreateAsync(request.ResolveJobId(), request.Definition);
        return Results.Json(FleetsJson.Job(created), statusCode: 201);
    }

    private static async Task<IResult> GetAsync(HttpContext http, string jobId, CommandRules rules, JobService jobs)
    {
        ThingGroupsEndpoints.EnsureEveryDevice(http.User.DeviceHiveToken());
        return Results.Json(FleetsJson.Job(await FindAsync(jobId, rules, jobs)));
    }

    private static async Task<IResult> ListAsync(HttpContext http, JobService jobs, string? status, int? limit, string? cursor)
    {
        ThingGroupsEndpoints.EnsureEveryDevice(http.User.DeviceHiveToken());
        status = status?.ToUpperInvariant();
        if (status is not null && !JobStatus.Known.Contains(status))
        {
            throw new RequestValidationException($"status must be one of {string.Join(", ", JobStatus.Known)}");
        }
        var page = await jobs.ListAsync(status, cursor, ThingGroupsEndpoints.Limit(limit));
        return Results.Json(new { items = page.Items.Select(FleetsJson.Job), nextCursor = page.NextCursor });
    }

    private static async Task<IResult> ExecutionsAsync(HttpContext http, string jobId, CommandRules rules, JobService jobs, string? status, int? limit, string? cursor)
    {
        ThingGroupsEndpoints.EnsureEveryDevice(http.User.DeviceHiveToken());
        status = status?.ToUpperInvariant();
        if (status is not null && !CommandStatus.Known.Contains(status))
        {
            throw new RequestValidationException($"status must be one of {string.Join(", ", CommandStatus.Known)}");
        }
        var job = await FindAsync(jobId, rules, jobs);
        var page = await jobs.ExecutionsAsync(job.JobId, status, cursor, ThingGroupsEndpoints.Limit(limit));
        return Results.Json(new { items = page.Items.Select(c => FleetsJson.Execution(c, withHistory: false)), nextCursor = page.NextCursor });
    }

    private static async Task<IResult> CancelAsync(HttpContext http, string jobId, CommandRules rules, JobService jobs)
    {
        var token = http.User.DeviceHiveToken();
        ThingGroupsEndpoints.EnsureEveryDevice(token);
        var force = false;
        if (http.Request.ContentLength is > 0 || http.Request.Headers.TransferEncoding.Count > 0)
        {
            var body = await JsonBody.ReadObjectAsync(http.Request, rules.Limits.MaxMessageBytes);
            if (JsonBody.Property(body, "force") is { ValueKind: not System.Text.Json.JsonValueKind.Null } flag)
            {
                force = flag.ValueKind is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False
                    ? flag.GetBoolean()
                    : throw new RequestValidationException("force must be true or false");
            }
        }
        var job = await FindAsync(jobId, rules, jobs);
        return Results.Json(FleetsJson.Job(await jobs.CancelAsync(job.JobId, force, $"user:{token.UserId}")));
    }

    private static async Task<IResult> WaitAsync(HttpContext http, string jobId, CommandRules rules, JobService jobs, double? timeout)
    {
        ThingGroupsEndpoints.EnsureEveryDevice(http.User.DeviceHiveToken());
        if (timeout is < 0 || timeout > rules.Limits.MaxWaitSeconds)
        {
            throw new RequestValidationException($"timeout must be between 0 and {rules.Limits.MaxWaitSeconds} seconds");
        }
        var job = await FindAsync(jobId, rules, jobs);
        var current = await jobs.WaitForFinalAsync(job.JobId, TimeSpan.FromSeconds(timeout ?? 30), http.RequestAborted);
        return Results.Json(FleetsJson.Job(current ?? job));
    }

    private static async Task<JobRecord> FindAsync(string jobId, CommandRules rules, JobService jobs)
    {
        rules.RequireJobId(jobId);
        return await jobs.GetAsync(jobId) ?? throw new JobNotFoundException($"Job {jobId} not found");
    }
}
