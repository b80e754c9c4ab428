using System.Text.Json.Nodes;
using CommandGrid.Gateway.Commands;
using CommandGrid.Grains.Interfaces;

namespace CommandGrid.Gateway.Rest;

/// <summary>Executions and things as the Fleets REST API shows them.</summary>
internal static class FleetsJson
{
    public static JsonObject Execution(CommandRecord c, bool withHistory)
    {
        var json = new JsonObject
        {
            ["executionId"] = c.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["thingId"] = c.DeviceId,
            ["action"] = c.Command,
            ["params"] = Raw(c.ParametersJson) ?? new JsonObject(),
            ["ttl"] = c.Lifetime,
            ["status"] = c.Status,
            ["result"] = Raw(c.ResultJson),
            ["createdAt"] = WireTime.Iso(c.CreatedAt),
            ["updatedAt"] = WireTime.Iso(c.LastUpdated),
            ["timestamp"] = WireTime.Iso(c.Timestamp),
            ["expiresAt"] = WireTime.Iso(c.ExpiresAt),
            ["userId"] = c.UserId,
        };
        if (c.DeviceStatus is not null && c.DeviceStatus != c.Status)
        {
            json["deviceStatus"] = c.DeviceStatus;
        }
        if (c.ClientToken is not null)
        {
            json["clientToken"] = c.ClientToken;
        }
        if (c.JobId is not null)
        {
            json["jobId"] = c.JobId;
        }
        if (c.StatusReason is { } reason)
        {
            json["statusReason"] = new JsonObject { ["reasonCode"] = reason.ReasonCode, ["reasonDescription"] = reason.ReasonDescription };
        }
        if (withHistory)
        {
            json["history"] = new JsonArray([.. c.History.Select(h => (JsonNode)new JsonObject
            {
                ["status"] = h.Status,
                ["deviceStatus"] = h.DeviceStatus,
                ["at"] = WireTime.Iso(h.At),
                ["source"] = h.Source,
            })]);
        }
        return json;
    }

    public static JsonObject Thing(DeviceRecord d) => new()
    {
        ["thingId"] = d.Id,
        ["name"] = d.Name,
        ["attributes"] = Raw(d.DataJson) ?? new JsonObject(),
        ["networkId"] = d.NetworkId,
        ["deviceTypeId"] = d.DeviceTypeId,
        ["isBlocked"] = d.IsBlocked,
        ["createdAt"] = WireTime.Iso(d.CreatedAt),
        ["updatedAt"] = WireTime.Iso(d.LastUpdated),
        ["connected"] = d.Connected,
        ["lastSeen"] = d.LastSeen is { } seen ? WireTime.Iso(seen) : null,
        ["groups"] = new JsonArray([.. (d.Groups.IsDefault ? [] : d.Groups).Select(g => (JsonNode)g)]),
    };

    public static JsonObject Group(ThingGroupRecord g)
    {
        var json = new JsonObject
        {
            ["name"] = g.Name,
            ["description"] = g.Description,
            ["dynamic"] = g.IsDynamic,
            ["createdAt"] = WireTime.Iso(g.CreatedAt),
            ["updatedAt"] = WireTime.Iso(g.UpdatedAt),
        };
        if (g.Query is { } query)
        {
            json["query"] = new JsonObject
            {
                ["networkId"] = query.NetworkId,
                ["deviceTypeId"] = query.DeviceTypeId,
                ["attributes"] = new JsonObject([.. (query.Attributes ?? []).Select(a => KeyValuePair.Create(a.Key, (JsonNode?)a.Value))]),
            };
        }
        return json;
    }

    public static JsonObject Job(JobRecord j)
    {
        var d = j.Definition;
        var json = new JsonObject
        {
            ["jobId"] = j.JobId,
            ["status"] = j.Status,
            ["action"] = d.Action,
            ["params"] = Raw(d.ParametersJson) ?? new JsonObject(),
            ["ttl"] = d.Lifetime,
            ["targets"] = new JsonObject
            {
                ["thingIds"] = Strings(d.Targets.ThingIds),
                ["groups"] = Strings(d.Targets.Groups),
            },
            ["rollout"] = Rollout(d.Rollout),
            ["abort"] = new JsonArray([.. (d.Abort.IsDefault ? [] : d.Abort).Select(r => (JsonNode)new JsonObject
            {
                ["failureType"] = r.FailureType,
                ["minExecutedThings"] = r.MinExecutedThings,
                ["thresholdPercent"] = r.ThresholdPercent,
            })]),
            ["schedule"] = d.Schedule is { } schedule
                ? new JsonObject { ["startAt"] = Time(schedule.StartAt), ["endAt"] = Time(schedule.EndAt) }
                : null,
            ["continuous"] = d.Continuous,
            ["targeted"] = j.Targeted,
            ["created"] = j.Created,
            ["counts"] = new JsonObject([.. j.Counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => KeyValuePair.Create(c.Key, (JsonNode?)c.Value))]),
            ["rolloutRatePerMinute"] = j.RatePerMinute,
            ["userId"] = d.UserId,
            ["createdAt"] = WireTime.Iso(j.CreatedAt),
            ["startedAt"] = Time(j.StartedAt),
            ["completedAt"] = Time(j.CompletedAt),
        };
        if (j.AbortReason is not null)
        {
            json["abortReason"] = j.AbortReason;
        }
        if (j.AbortRule is { } rule)
        {
            json["abortRule"] = new JsonObject
            {
                ["failureType"] = rule.FailureType,
                ["minExecutedThings"] = rule.MinExecutedThings,
                ["thresholdPercent"] = rule.ThresholdPercent,
            };
        }
        return json;
    }

    private static JsonObject? Rollout(JobRollout? rollout)
    {
        if (rollout is null)
        {
            return null;
        }
        var json = new JsonObject();
        if (rollout.MaxPerMinute is { } max)
        {
            json["maxPerMinute"] = max;
        }
        if (rollout.Exponential is { } e)
        {
            var criteria = new JsonObject();
            if (e.NumberOfSucceededThings is { } succeeded)
            {
                criteria["numberOfSucceededThings"] = succeeded;
            }
            if (e.NumberOfNotifiedThings is { } notified)
            {
                criteria["numberOfNotifiedThings"] = notified;
            }
            json["exponential"] = new JsonObject
            {
                ["baseRatePerMinute"] = e.BaseRatePerMinute,
                ["incrementFactor"] = e.IncrementFactor,
                ["rateIncreaseCriteria"] = criteria,
            };
        }
        return json;
    }

    private static JsonArray Strings(System.Collections.Immutable.ImmutableArray<string> values) =>
        new([.. (values.IsDefault ? [] : values).Select(v => (JsonNode)v)]);

    private static string? Time(DateTimeOffset? time) => time is { } value ? WireTime.Iso(value) : null;

    private static JsonNode? Raw(string? json) => json is null ? null : JsonNode.Parse(json);
}
