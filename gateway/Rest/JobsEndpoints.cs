using CommandGrid.Gateway.Auth;
using CommandGrid.Gateway.Commands;
using CommandGrid.Gateway.Rest.OpenApi;
using CommandGrid.Gateway.Rest.Wire;
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
        // Every route here needs a token for every device (403 otherwise), so the group's 403 covers that too.
        var group = api.MapGroup("/jobs").WithTags("Jobs");
        group.MapPost("/", CreateAsync).RequireDeviceHiveAction(DeviceHiveAction.CreateDeviceCommand)
            .WithSummary("Create a fleet job")
            .WithDescription("Answers before the first rollout step. The same jobId (or clientToken) with the same definition returns the job; with another definition, 409.")
            .Accepts<CreateJobBody>(ApiDocument.Json)
            .Produces<Job>(StatusCodes.Status201Created)
            .ProducesErrors(400, 404, 409, 413);
        group.MapGet("/", ListAsync).RequireDeviceHiveAction(DeviceHiveAction.GetDeviceCommand)
            .WithSummary("List jobs")
            .Produces<Page<Job>>()
            .ProducesErrors(400);
        group.MapGet("/{jobId}", GetAsync).RequireDeviceHiveAction(DeviceHiveAction.GetDeviceCommand)
            .WithSummary("Get a job with its counts")
            .Produces<Job>()
            .ProducesErrors(400, 404);
        group.MapGet("/{jobId}/executions", ExecutionsAsync).RequireDeviceHiveAction(DeviceHiveAction.GetDeviceCommand)
            .WithSummary("List a job's executions")
            .Produces<Page<Execution>>()
            .ProducesErrors(400, 404);
        group.MapPost("/{jobId}/cancel", CancelAsync).RequireDeviceHiveAction(DeviceHiveAction.CreateDeviceCommand)
            .WithSummary("Cancel a job")
            .WithDescription("The body is optional; with force, the executions already sent are canceled too.")
            .Accepts<CancelJobBody>(isOptional: true, ApiDocument.Json)
            .Produces<Job>()
            .ProducesErrors(400, 404, 409, 413);
        group.MapGet("/{jobId}/wait", WaitAsync).RequireDeviceHiveAction(DeviceHiveAction.GetDeviceCommand)
            .WithSummary("Wait until a job is final, or the timeout passes")
            .Produces<Job>()
            .ProducesErrors(400, 404);
        return group;
    }

    private static async Task<IResult> CreateAsync(HttpContext http, CommandRules rules, IOptions<JobLimits> limits, JobService jobs)
    {
        var token = http.User.DeviceHiveToken();
        ThingGroupsEndpoints.EnsureEveryDevice(token);
        var body = await JsonBody.ReadObjectAsync(http.Request, rules.Limits.MaxMessageBytes);
        var request = JobRequest.Read(body, rules, limits.Value, token.UserId);
        var created = await jobs.CreateAsync(request.ResolveJobId(), request.Definition);
        return Results.Json(Job.From(created), statusCode: 201);
    }

    private static async Task<IResult> GetAsync(HttpContext http, string jobId, CommandRules rules, JobService jobs)
    {
        ThingGroupsEndpoints.EnsureEveryDevice(http.User.DeviceHiveToken());
        return Results.Json(Job.From(await FindAsync(jobId, rules, jobs)));
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
        return Results.Json(new Page<Job> { Items = page.Items.Select(Job.From), NextCursor = page.NextCursor });
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
        return Results.Json(new Page<Execution> { Items = page.Items.Select(c => Execution.From(c, withHistory: false)), NextCursor = page.NextCursor });
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
        return Results.Json(Job.From(await jobs.CancelAsync(job.JobId, force, $"user:{token.UserId}")));
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
        return Results.Json(Job.From(current ?? job));
    }

    private static async Task<JobRecord> FindAsync(string jobId, CommandRules rules, JobService jobs)
    {
        rules.RequireJobId(jobId);
        return await jobs.GetAsync(jobId) ?? throw new JobNotFoundException($"Job {jobId} not found");
    }
}
