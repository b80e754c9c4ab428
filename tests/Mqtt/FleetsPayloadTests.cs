using System.Collections.Immutable;
using System.Text.Json.Nodes;
using CommandGrid.Gateway.Mqtt.Fleets;
using CommandGrid.Grains.Interfaces;
using Xunit;

namespace CommandGrid.Tests.Mqtt;

/// <summary>The units of the Fleets MQTT payloads: Unix seconds, as the EMQX Fleets document's request shows.</summary>
public sealed class FleetsPayloadTests
{
    private static readonly DateTimeOffset Created = DateTimeOffset.FromUnixTimeMilliseconds(1_748_390_400_123);

    private static CommandRecord Command(DateTimeOffset lastUpdated) => new(
        42, "thermostat-001", "setTemperature", "{\"value\":24}", Created, Created, lastUpdated, 30,
        CommandStatus.Succeeded, null, null, 1, null, null, null, null, ImmutableArray<StatusChange>.Empty);

    [Fact]
    public void FleetsPayloads_RequestCarriesUnixSecondsAndTtlSeconds()
    {
        var request = JsonNode.Parse(FleetsPayloads.Request(Command(Created)))!;
        Assert.Equal(1_748_390_400, (long)request["timestamp"]!);
        Assert.Equal(30, (int)request["ttl"]!);
        Assert.Equal("42", (string)request["commandId"]!);
    }

    [Fact]
    public void FleetsPayloads_AcceptedUpdatedAtIsUnixSecondsLikeTheRequest()
    {
        var accepted = JsonNode.Parse(FleetsPayloads.Accepted(Command(Created.AddSeconds(5))))!;
        Assert.Equal(1_748_390_405, (long)accepted["updatedAt"]!);
        Assert.Equal("SUCCEEDED", (string)accepted["status"]!);
    }
}
