namespace CommandGrid.Grains.Interfaces;

/// <summary>
/// Makes creation idempotent per client token (key: <c>{userId}:{clientToken}</c>): the same
/// request again returns the same execution; a different request with the token is a conflict.
/// </summary>
[Alias("cg.IClientTokenGrain")]
public interface IClientTokenGrain : IGrainWithStringKey
{
    /// <exception cref="ClientTokenConflictException">The token was used for another request.</exception>
    Task<CommandRecord> CreateOnceAsync(CreateCommandRequest request);
}
