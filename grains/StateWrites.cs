using Orleans.Core;

namespace CommandGrid.Grains;

internal static class StateWrites
{
    /// <summary>
    /// Writes the state; when another activation wrote after this one read (a conditional write refused), drops this
    /// activation through <paramref name="deactivate"/> so that the next call reloads the truth, and rethrows.
    /// </summary>
    public static async Task WriteOrReloadAsync<T>(this IStorage<T> state, Action deactivate)
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch (InconsistentStateException)
        {
            deactivate();
            throw;
        }
    }
}
