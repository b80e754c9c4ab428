using CommandGrid.Grains.Commands;
using CommandGrid.Grains.Devices;
using CommandGrid.Grains.Interfaces;
using CommandGrid.Storage.Queries;

namespace CommandGrid.Grains.Queries;

/// <summary>Answers list queries through the storage's query seam; holds no state, so it runs on the caller's silo and calls interleave.</summary>
[GrainType("fleetquery"), StatelessWorker, Reentrant]
public sealed class FleetQueryGrain(IGridQueries queries) : Grain, IFleetQueryGrain
{
    public const int MaxLimit = 1000;

    public async Task<CommandPage> ListCommandsAsync(CommandQuery query)
    {
        var page = await queries.CommandsAsync<CommandState>(query with { Limit = Limit(query.Limit) });
        return new CommandPage([.. page.Items.Select(c => c.ToRecord())], page.NextCursor);
    }

    public async Task<DevicePage> ListDevicesAsync(DeviceQuery query)
    {
        var page = await queries.DevicesAsync<DeviceState>(query.Name, query.NetworkId, query.Cursor, Limit(query.Limit));
        var devices = page.Items.Select(d => d.ToRecord());
        if (query.NamePrefix is { } prefix)
        {
            devices = devices.Where(d => d.Name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase));
        }
        return new DevicePage([.. devices], page.NextCursor);
    }

    private static int Limit(int asked) => Math.Clamp(asked, 1, MaxLimit);
}
