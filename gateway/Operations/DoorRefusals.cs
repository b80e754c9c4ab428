using CommandGrid.Gateway.Rest;
using CommandGrid.Metrics;

namespace CommandGrid.Gateway.Operations;

public static class DoorRefusals
{
    /// <summary>
    /// Counts an HTTP-style error status (REST, or a DeviceHive WebSocket error code) as a refusal when it is the
    /// client's (4xx), with the REST error code as its reason; 5xx are the grid's failures, not refusals.
    /// </summary>
    public static void RefusedStatus(this GridMetrics metrics, string door, int status)
    {
        if (status is >= 400 and < 500)
        {
            metrics.Refused(door, RestError.CodeFor(status));
        }
    }
}
