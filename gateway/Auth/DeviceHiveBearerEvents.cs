using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;

namespace CommandGrid.Gateway.Auth;

/// <summary>
/// What both JWT bearer schemes do once the signature checked out: accept only a DeviceHive access
/// token that has not expired (<see cref="TokenService.Accept"/>). Each scheme derives its own
/// answers to a refused or an underprivileged request.
/// </summary>
public abstract class DeviceHiveBearerEvents(TokenService tokens) : JwtBearerEvents
{
    public override Task TokenValidated(TokenValidatedContext context)
    {
        try
        {
            tokens.Accept(context.Principal!);
        }
        catch (SecurityTokenException e)
        {
            context.Fail(e);
        }
        return Task.CompletedTask;
    }

    /// <returns>Why the token was refused, or null when the request carried no bearer token.</returns>
    protected static string? RefusalOf(JwtBearerChallengeContext context) =>
        context.AuthenticateFailure is { } failure ? TokenValidationResult.MessageFor(failure) : null;
}
