using System.Text.Json.Nodes;
using CommandGrid.Gateway.Auth;

namespace CommandGrid.Gateway.WebSockets;

/// <summary>What an action handler is given: the connection, the request, and a place for work to run once the reply is queued.</summary>
internal sealed class WsCall(WsSession session, WsRequest request, List<Func<Task>> afterReply)
{
    public WsSession Session { get; } = session;

    public WsRequest Request { get; } = request;

    /// <summary>Runs after the reply is queued (e.g. a subscription starts pushing only once the client has its id).</summary>
    public void AfterReply(Func<Task> step) => afterReply.Add(step);

    /// <summary>The bound token, if it allows <paramref name="action"/>: 401 without a valid one, 403 without the action.</summary>
    public TokenPayload Require(DeviceHiveAction action)
    {
        var token = Session.Token ?? throw WsError.Unauthorized();
        if (token.HasExpiredAt(Session.Clock.GetUtcNow()))
        {
            throw WsError.Unauthorized(TokenValidationResult.Expired);
        }
        return token.Allows(action) ? token : throw WsError.Forbidden();
    }
}

/// <summary>Handles one action; returns the reply's payload properties (merged next to "status"), or null for a bare success.</summary>
internal delegate Task<JsonObject?> WsActionHandler(WsCall call);

/// <summary>A group of related actions (commands, devices, tokens, …) registers its handlers here.</summary>
internal interface IWsActionGroup
{
    void Register(IDictionary<string, WsActionHandler> actions);
}
