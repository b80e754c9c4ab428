using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CommandGrid.Gateway.Commands;
using CommandGrid.Grains.Interfaces;

namespace CommandGrid.Gateway.Rest;

/// <summary>
/// Reads the body of <c>POST /api/v1/jobs</c> into a job definition, refusing (400, 413) anything out of
/// range before a grain is called, so a refused request stores nothing.
/// </summary>
internal sealed class JobRequest
{
    private JobRequest(string? jobId, string? clientToken, JobDefinition definition)
    {
        JobId = jobId;
        ClientToken = clientToken;
        Definition = definition;
    }

    public string? JobId { get; }

    public string? ClientToken { get; }

    public JobDefinition Definition { get; }

    /// <summary>
    /// The job's id: the one given; else a UUID, as Fleets and AWS IoT make one. With a client token the UUID is derived
    /// from it (a retry reaches the same job); without, it is new.
    /// </summary>
    public string ResolveJobId() => JobId
        ?? (ClientToken is { } token
            ? new Guid(SHA256.HashData(Encoding.UTF8.GetBytes($"{Definition.UserId}:{token}"))[..16]).ToString()
            : Guid.NewGuid().ToString());

    public static JobRequest Read(JsonElement body, CommandRules rules, JobLimits limits, long userId)
    {
        var jobId = JsonBody.String(body, "jobId") is { } id ? rules.RequireJobId(id) : null;
        var clientToken = JsonBody.String(body, "clientToken");
        if (clientToken is { Length: > 64 })
        {
            throw new RequestValidationException("clientToken is longer than 64 characters");
        }
        var document = Document(JsonBody.Property(body, "document"), limits);
        var given = JsonBody.String(body, "action");
        if (given is null && document is null)
        {
            throw new RequestValidationException("a job needs an action or a document");
        }
        var action = rules.RequireName(given ?? JobDocument.ActionOf(document!.Value), given is null ? "document.operation" : "action");
        var parameters = rules.ParametersJson(JsonBody.Property(body, "params"), "params");
        if (document is not null && parameters is not null)
        {
            throw new RequestValidationException("a job takes a document or params, not both: the document is what its devices get");
        }
        var ttl = rules.Lifetime(JsonBody.Property(body, "ttl"), "ttl");
        var targets = Targets(JsonBody.Property(body, "targets"), rules, limits);
        var rollout = Rollout(JsonBody.Property(body, "rollout"), limits);
        var abort = Abort(JsonBody.Property(body, "abort"), limits);
        var schedule = Schedule(JsonBody.Property(body, "schedule"));
        var continuous = Continuous(body);
        var inProgressTimeout = InProgressTimeout(JsonBody.Property(body, "timeoutConfig"));
        var retry = Retry(JsonBody.Property(body, "retry"));
        var name = Text(body, "name", limits.MaxNameLength);
        var description = Text(body, "description", limits.MaxDescriptionLength);
        return new JobRequest(jobId, clientToken,
            new JobDefinition(action, parameters, ttl, targets, rollout, abort, schedule, continuous, userId, Fingerprint(body),
                document?.GetRawText(), name, description, inProgressTimeout, retry));
    }

    /// <summary>AWS IoT's retry config: {"criteriaList": [{"failureType": FAILED|TIMED_OUT|ALL, "numberOfRetries": 1..10}]}.</summary>
    private static ImmutableArray<RetryCriterion> Retry(JsonElement? value)
    {
        if (value is not { } config || config.ValueKind == JsonValueKind.Null)
        {
            return [];
        }
        if (config.ValueKind != JsonValueKind.Object || JsonBody.Property(config, "criteriaList") is not { ValueKind: JsonValueKind.Array } list
            || list.GetArrayLength() is 0 or > 2)
        {
            throw new RequestValidationException("retry must be {\"criteriaList\": [{\"failureType\", \"numberOfRetries\"}]} with one or two criteria");
        }
        var criteria = new List<RetryCriterion>();
        foreach (var criterion in list.EnumerateArray())
        {
            if (criterion.ValueKind != JsonValueKind.Object)
            {
                throw new RequestValidationException("each retry criterion must be an object");
            }
            var type = JsonBody.String(criterion, "failureType");
            if (type is null || !RetryCriterion.FailureTypes.Contains(type))
            {
                throw new RequestValidationException($"retry failureType must be one of {string.Join(", ", RetryCriterion.FailureTypes)}");
            }
            if (criteria.Any(c => c.FailureType == type))
            {
                throw new RequestValidationException($"retry names failureType {type} twice");
            }
            var retries = Integer(JsonBody.Property(criterion, "numberOfRetries"), "retry numberOfRetries", 1, 10)
                ?? throw new RequestValidationException("retry numberOfRetries is required");
            criteria.Add(new RetryCriterion(type, retries));
        }
        return [.. criteria];
    }

    /// <summary>AWS IoT's timeoutConfig: how long each execution may stay IN_PROGRESS, 1 to 10,080 minutes (a week).</summary>
    private static int? InProgressTimeout(JsonElement? value)
    {
        if (value is not { } config || config.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (config.ValueKind != JsonValueKind.Object)
        {
            throw new RequestValidationException("timeoutConfig must be an object: {\"inProgressTimeoutInMinutes\": N}");
        }
        return Integer(JsonBody.Property(config, "inProgressTimeoutInMinutes"), "timeoutConfig.inProgressTimeoutInMinutes", 1, 10_080);
    }

    /// <summary>The job document: any JSON object, up to <see cref="JobLimits.MaxDocumentBytes"/> (AWS IoT's 32 KB) as sent.</summary>
    private static JsonElement? Document(JsonElement? value, JobLimits limits)
    {
        if (value is not { } document || document.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (document.ValueKind != JsonValueKind.Object)
        {
            throw new RequestValidationException("document must be a JSON object");
        }
        if (Encoding.UTF8.GetByteCount(document.GetRawText()) > limits.MaxDocumentBytes)
        {
            throw new RequestValidationException($"document is larger than {limits.MaxDocumentBytes} bytes", 413);
        }
        return document;
    }

    /// <summary>Whether things that join a target group later get an execution: <c>continuous</c>, or the Fleets <c>jobType</c>.</summary>
    private static bool Continuous(JsonElement body)
    {
        bool? continuous = JsonBody.Property(body, "continuous") is { } flag && flag.ValueKind != JsonValueKind.Null
            ? (flag.ValueKind is JsonValueKind.True or JsonValueKind.False ? flag.GetBoolean() : throw new RequestValidationException("continuous must be true or false"))
            : null;
        bool? typed = JsonBody.Property(body, "jobType") is { } type && type.ValueKind != JsonValueKind.Null
            ? (type.ValueKind == JsonValueKind.String ? type.GetString() : null) switch
            {
                "SNAPSHOT" => false,
                "CONTINUOUS" => true,
                _ => throw new RequestValidationException("jobType must be SNAPSHOT or CONTINUOUS"),
            }
            : null;
        if (continuous is { } c && typed is { } t && c != t)
        {
            throw new RequestValidationException("continuous and jobType disagree");
        }
        return continuous ?? typed ?? false;
    }

    private static string? Text(JsonElement body, string field, int max)
    {
        if (JsonBody.Property(body, field) is not { } value || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.String || value.GetString() is not { } text || text.Length > max || text.Any(char.IsControl))
        {
            throw new RequestValidationException($"{field} must be a string of at most {max} characters, without control characters");
        }
        return text;
    }

    private static JobTargets Targets(JsonElement? value, CommandRules rules, JobLimits limits)
    {
        if (value is not { ValueKind: JsonValueKind.Object } targets)
        {
            throw new RequestValidationException("targets is required: {\"thingIds\": [...], \"groups\": [...]} (or Fleets' thingNames and thingGroupNames)");
        }
        var thingIds = Either(targets, "thingIds", "thingNames", limits.MaxThingIds);
        var groups = Either(targets, "groups", "thingGroupNames", limits.MaxGroups);
        if (thingIds.IsEmpty && groups.IsEmpty)
        {
            throw new RequestValidationException("targets must name at least one thing or group");
        }
        return new JobTargets(thingIds, groups);
    }

    // The grid's field or the Fleets one (thingNames, thingGroupNames), not both.
    private static ImmutableArray<string> Either(JsonElement targets, string field, string fleetsField, int max)
    {
        var grid = JsonBody.Property(targets, field) is { ValueKind: not JsonValueKind.Null } g ? g : (JsonElement?)null;
        var fleets = JsonBody.Property(targets, fleetsField) is { ValueKind: not JsonValueKind.Null } f ? f : (JsonElement?)null;
        if (grid is not null && fleets is not null)
        {
            throw new RequestValidationException($"targets takes {field} or {fleetsField}, not both");
        }
        return fleets is not null ? Names(fleets, $"targets.{fleetsField}", max) : Names(grid, $"targets.{field}", max);
    }

    // Thing ids and group names are spelled alike.
    private static ImmutableArray<string> Names(JsonElement? value, string field, int max)
    {
        if (value is not { } list || list.ValueKind == JsonValueKind.Null)
        {
            return [];
        }
        if (list.ValueKind != JsonValueKind.Array)
        {
            throw new RequestValidationException($"{field} must be an array of strings");
        }
        if (list.GetArrayLength() > max)
        {
            throw new RequestValidationException($"{field} lists more than {max}; use a group", 413);
        }
        var names = new List<string>();
        foreach (var item in list.EnumerateArray())
        {
            var name = item.ValueKind == JsonValueKind.String ? item.GetString() : null;
            var valid = CommandRules.IsValidDeviceId(name)
                ? name!
                : throw new RequestValidationException($"{field}: '{item}' is not a valid name (letters, digits, '-', '_', '.', at most 128)");
            if (!names.Contains(valid))
            {
                names.Add(valid);
            }
        }
        return [.. names];
    }

    private static JobRollout? Rollout(JsonElement? value, JobLimits limits)
    {
        if (value is not { } rollout || rollout.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (rollout.ValueKind != JsonValueKind.Object)
        {
            throw new RequestValidationException("rollout must be an object");
        }
        var max = Integer(JsonBody.Property(rollout, "maxPerMinute"), "rollout.maxPerMinute", 1, limits.MaxRatePerMinute);
        ExponentialRollout? exponential = null;
        if (JsonBody.Property(rollout, "exponential") is { ValueKind: not JsonValueKind.Null } growth)
        {
            if (growth.ValueKind != JsonValueKind.Object)
            {
                throw new RequestValidationException("rollout.exponential must be an object");
            }
            var baseRate = Integer(JsonBody.Property(growth, "baseRatePerMinute"), "rollout.exponential.baseRatePerMinute", 1, limits.MaxRatePerMinute)
                ?? throw new RequestValidationException("rollout.exponential.baseRatePerMinute is required");
            var factor = Number(JsonBody.Property(growth, "incrementFactor"), "rollout.exponential.incrementFactor")
                ?? throw new RequestValidationException("rollout.exponential.incrementFactor is required");
            if (factor <= 1 || factor > limits.MaxIncrementFactor)
            {
                throw new RequestValidationException($"rollout.exponential.incrementFactor must be above 1 and at most {limits.MaxIncrementFactor}");
            }
            if (JsonBody.Property(growth, "rateIncreaseCriteria") is not { ValueKind: JsonValueKind.Object } criteria)
            {
                throw new RequestValidationException("rollout.exponential.rateIncreaseCriteria is required");
            }
            var succeeded = Integer(JsonBody.Property(criteria, "numberOfSucceededThings"), "rateIncreaseCriteria.numberOfSucceededThings", 1, limits.MaxRatePerMinute);
            var notified = Integer(JsonBody.Property(criteria, "numberOfNotifiedThings"), "rateIncreaseCriteria.numberOfNotifiedThings", 1, limits.MaxRatePerMinute);
            if ((succeeded is null) == (notified is null))
            {
                throw new RequestValidationException("rateIncreaseCriteria needs exactly one of numberOfSucceededThings and numberOfNotifiedThings");
            }
            exponential = new ExponentialRollout(baseRate, factor, succeeded, notified);
        }
        if (max is not null && exponential is not null)
        {
            throw new RequestValidationException("rollout takes maxPerMinute or exponential, not both");
        }
        return max is null && exponential is null ? null : new JobRollout(max, exponential);
    }

    private static ImmutableArray<AbortRule> Abort(JsonElement? value, JobLimits limits)
    {
        if (value is not { } list || list.ValueKind == JsonValueKind.Null)
        {
            return [];
        }
        if (list.ValueKind != JsonValueKind.Array || list.GetArrayLength() > limits.MaxAbortRules)
        {
            throw new RequestValidationException($"abort must be an array of at most {limits.MaxAbortRules} rules");
        }
        var rules = new List<AbortRule>();
        foreach (var rule in list.EnumerateArray())
        {
            if (rule.ValueKind != JsonValueKind.Object)
            {
                throw new RequestValidationException("each abort rule must be an object");
            }
            var type = JsonBody.String(rule, "failureType")?.ToUpperInvariant();
            if (type is null || !AbortRule.FailureTypes.Contains(type))
            {
                throw new RequestValidationException($"abort failureType must be one of {string.Join(", ", AbortRule.FailureTypes)}");
            }
            var min = Integer(JsonBody.Property(rule, "minExecutedThings"), "abort minExecutedThings", 1, int.MaxValue)
                ?? throw new RequestValidationException("abort minExecutedThings is required");
            var threshold = Number(JsonBody.Property(rule, "thresholdPercent"), "abort thresholdPercent")
                ?? throw new RequestValidationException("abort thresholdPercent is required");
            if (threshold <= 0 || threshold > 100)
            {
                throw new RequestValidationException("abort thresholdPercent must be above 0 and at most 100");
            }
            rules.Add(new AbortRule(type, min, threshold));
        }
        return [.. rules];
    }

    private static JobSchedule? Schedule(JsonElement? value)
    {
        if (value is not { } schedule || schedule.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (schedule.ValueKind != JsonValueKind.Object)
        {
            throw new RequestValidationException("schedule must be an object");
        }
        var start = Time(schedule, "startAt");
        var end = Time(schedule, "endAt");
        if (start is { } s && end is { } e && e <= s)
        {
            throw new RequestValidationException("schedule.endAt must be after schedule.startAt");
        }
        return start is null && end is null ? null : new JobSchedule(start, end);
    }

    private static DateTimeOffset? Time(JsonElement schedule, string name)
    {
        var text = JsonBody.String(schedule, name);
        if (text is null)
        {
            return null;
        }
        return WireTime.TryParse(text, out var time) ? time : throw new RequestValidationException($"schedule.{name} must be an ISO 8601 time");
    }

    private static int? Integer(JsonElement? value, string field, int min, int max)
    {
        if (value is not { } number || number.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (number.ValueKind != JsonValueKind.Number || !number.TryGetInt64(out var n) || n < min || n > max)
        {
            throw new RequestValidationException($"{field} must be a whole number from {min} to {max}");
        }
        return (int)n;
    }

    private static double? Number(JsonElement? value, string field)
    {
        if (value is not { } number || number.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return number.ValueKind == JsonValueKind.Number ? number.GetDouble() : throw new RequestValidationException($"{field} must be a number");
    }

    /// <summary>A digest of what defines the job (the body without its id and token), to tell a retry from another request under the same id.</summary>
    private static string Fingerprint(JsonElement body)
    {
        var definition = JsonNode.Parse(body.GetRawText())!.AsObject();
        definition.Remove("jobId");
        definition.Remove("clientToken");
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(definition.ToJsonString())));
    }
}
