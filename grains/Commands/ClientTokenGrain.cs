using CommandGrid.Grains.Interfaces;

namespace CommandGrid.Grains.Commands;

/// <summary>The execution a client token stands for, and a digest of the request that created it.</summary>
[GenerateSerializer, Alias("cg.ClientTokenState")]
public sealed class ClientTokenState
{
    [Id(0)]
    public long ExecutionId { get; set; }

    [Id(1)]
    public string? Fingerprint { get; set; }
}

/// <summary>
/// Idempotent creation: the token is bound to an id durably before the command is created,
/// so a retry after any failure reaches the same execution instead of a second one.
/// </summary>
[GrainType("clienttoken")]
public sealed class ClientTokenGrain(
    [PersistentState("clienttoken")] IPersistentState<ClientTokenState> state,
    CommandIdAllocator ids) : Grain, IClientTokenGrain
{
    public async Task<CommandRecord> CreateOnceAsync(CreateCommandRequest request)
    {
        var device = GrainFactory.GetGrain<IDeviceGrain>(request.DeviceId);
        if (state.RecordExists)
        {
            if (state.State.Fingerprint != request.Fingerprint)
            {
                throw new ClientTokenConflictException($"Client token '{request.ClientToken}' was already used for a different request (execution {state.State.ExecutionId}).");
            }
            var existing = await GrainFactory.GetGrain<ICommandGrain>(state.State.ExecutionId).GetAsync();
            return existing ?? await device.CreateCommandAsync(request, state.State.ExecutionId);
        }
        if (await device.GetAsync() is null)
        {
            throw new DeviceNotFoundException($"Device with such deviceId = {request.DeviceId} not found");
        }
        state.State = new ClientTokenState { ExecutionId = await ids.NextAsync(), Fingerprint = request.Fingerprint };
        await state.WriteStateAsync();
        return await device.CreateCommandAsync(request, state.State.ExecutionId);
    }
}
