using System.Text.Json.Nodes;
using CommandGrid.Gateway.Rest.Wire;

namespace CommandGrid.Gateway.Rest.OpenApi;

/// <summary>
/// One example of each body, written as the records themselves so the compiler holds them to the wire's shape
/// (and the document test validates them against the schemas they illustrate).
/// </summary>
internal static class ApiExamples
{
    private const string Thermostat = "thermostat-17";

    public static IReadOnlyDictionary<Type, object> ByType { get; } = new Dictionary<Type, object>
    {
        [typeof(CreateCommandBody)] = new CreateCommandBody
        {
            ThingId = Thermostat,
            Action = "setTemperature",
            Params = new JsonObject { ["value"] = 21.5 },
            Ttl = 60,
            ClientToken = "retry-safe-4711",
        },
        [typeof(Execution)] = new Execution
        {
            ExecutionId = "1042",
            ThingId = Thermostat,
            Action = "setTemperature",
            Params = new JsonObject { ["value"] = 21.5 },
            Ttl = 60,
            Status = "SUCCEEDED",
            Result = new JsonObject { ["currentTemperature"] = 21.5 },
            CreatedAt = "2026-12-04T03:30:00.000Z",
            UpdatedAt = "2026-12-04T03:30:01.250Z",
            Timestamp = "2026-12-04T03:30:00.000Z",
            ExpiresAt = "2026-12-04T03:31:00.000Z",
            UserId = 1,
            ClientToken = "retry-safe-4711",
            VersionNumber = 2,
            ExecutionNumber = 1,
            History =
            [
                new HistoryEntry { Status = "PENDING", DeviceStatus = null, At = "2026-12-04T03:30:00.000Z", Source = "user:1" },
                new HistoryEntry { Status = "SENT", DeviceStatus = null, At = "2026-12-04T03:30:00.020Z", Source = "grid" },
                new HistoryEntry { Status = "SUCCEEDED", DeviceStatus = "SUCCEEDED", At = "2026-12-04T03:30:01.250Z", Source = "device" },
            ],
        },
        [typeof(ThingBody)] = new ThingBody
        {
            Name = "Living room thermostat",
            Attributes = new JsonObject { ["floor"] = "2", ["firmware"] = "1.4.0" },
            NetworkId = 7,
        },
        [typeof(Thing)] = new Thing
        {
            ThingId = Thermostat,
            Name = "Living room thermostat",
            Attributes = new JsonObject { ["floor"] = "2", ["firmware"] = "1.4.0" },
            NetworkId = 7,
            DeviceTypeId = null,
            IsBlocked = false,
            CreatedAt = "2026-12-01T09:00:00.000Z",
            UpdatedAt = "2026-12-01T09:00:00.000Z",
            Connected = true,
            LastSeen = "2026-12-04T03:30:01.250Z",
            Groups = ["second-floor"],
        },
        [typeof(ThingGroupBody)] = new ThingGroupBody
        {
            Description = "Everything on the second floor",
            Query = new GroupQuery { NetworkId = 7, Attributes = new Dictionary<string, string> { ["floor"] = "2" } },
        },
        [typeof(ThingGroup)] = new ThingGroup
        {
            Name = "second-floor",
            Description = "Everything on the second floor",
            Dynamic = true,
            CreatedAt = "2026-12-01T09:05:00.000Z",
            UpdatedAt = "2026-12-01T09:05:00.000Z",
            Query = new GroupQuery { NetworkId = 7, DeviceTypeId = null, Attributes = new Dictionary<string, string> { ["floor"] = "2" } },
        },
        [typeof(GroupMember)] = new GroupMember { ThingId = Thermostat },
        [typeof(CreateJobBody)] = new CreateJobBody
        {
            JobId = "firmware-1-5",
            Name = "Firmware 1.5",
            Description = "Thermostat firmware 1.5.0 for the second floor",
            Document = new JsonObject { ["operation"] = "updateFirmware", ["version"] = "1.5.0" },
            Ttl = 600,
            Targets = new JobTargets { ThingGroupNames = ["second-floor"] },
            Rollout = new RolloutConfig { MaxPerMinute = 100 },
            Abort = [new AbortCriteria { FailureType = "ALL", MinExecutedThings = 10, ThresholdPercent = 20 }],
        },
        [typeof(Job)] = new Job
        {
            JobId = "firmware-1-5",
            Status = "IN_PROGRESS",
            Name = "Firmware 1.5",
            Description = "Thermostat firmware 1.5.0 for the second floor",
            Action = "updateFirmware",
            Params = new JsonObject(),
            Document = new JsonObject { ["operation"] = "updateFirmware", ["version"] = "1.5.0" },
            JobType = "SNAPSHOT",
            Ttl = 600,
            Targets = new JobTargets { ThingIds = [], Groups = ["second-floor"] },
            Rollout = new RolloutConfig { MaxPerMinute = 100 },
            Abort = [new AbortCriteria { FailureType = "ALL", MinExecutedThings = 10, ThresholdPercent = 20 }],
            Schedule = null,
            Continuous = false,
            Targeted = 40,
            Created = 25,
            Counts = new Dictionary<string, long> { ["SENT"] = 5, ["SUCCEEDED"] = 20 },
            RolloutRatePerMinute = 100,
            UserId = 1,
            CreatedAt = "2026-12-04T03:00:00.000Z",
            StartedAt = "2026-12-04T03:00:00.010Z",
            CompletedAt = null,
        },
        [typeof(CancelJobBody)] = new CancelJobBody { Force = true },
        [typeof(ErrorBody)] = ErrorBody.Of("NotFound", "Thing thermostat-17 is not registered"),
    };
}
