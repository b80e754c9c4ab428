using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;

namespace CommandGrid.Gateway.Auth;

/// <summary>The token's actions ("a") must include this DeviceHive action, or 0 (every action).</summary>
public sealed record DeviceHiveActionRequirement(DeviceHiveAction Action) : IAuthorizationRequirement
{
    public override string ToString() => $"the DeviceHive action {Action} ({(int)Action}) or 0";
}

internal sealed class DeviceHiveActionHandler : AuthorizationHandler<DeviceHiveActionRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, DeviceHiveActionRequirement requirement)
    {
        if (DeviceHiveClaims.PayloadOf(context.User)?.Allows(requirement.Action) == true)
        {
            context.Succeed(requirement);
        }
        return Task.CompletedTask;
    }
}

public static class DeviceHiveActionConventions
{
    /// <summary>
    /// The endpoint needs a token allowing <paramref name="action"/>, on top of the policy its group
    /// requires (which names the scheme); without it the scheme's forbidden answer is sent (403).
    /// </summary>
    public static TBuilder RequireDeviceHiveAction<TBuilder>(this TBuilder builder, DeviceHiveAction action)
        where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(policy => policy.AddRequirements(new DeviceHiveActionRequirement(action)));
}
