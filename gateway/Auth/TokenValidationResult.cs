namespace CommandGrid.Gateway.Auth;

/// <summary>A token checked: its payload, or why it was refused ("Invalid credentials", "Token expired").</summary>
public sealed record TokenValidationResult(TokenPayload? Payload, string? Error)
{
    public bool IsValid => Payload is not null;
}
