using System.Text.Json;
using CommandGrid.Grains.Commands;
using CommandGrid.Grains.Devices;
using CommandGrid.Grains.Interfaces;
using CommandGrid.Storage;

namespace CommandGrid.Grains.Queries;

/// <summary>Answers list queries straight from the indexed tables; holds no state, so it runs on the caller's silo and calls interleave.</summary>
[GrainType("fleetquery"), StatelessWorker, Reentrant]
public sealed class FleetQueryGrain(IIndexedStateQuery query) : Grain, IFleetQueryGrain
{
    public const int MaxLimit = 1000;

    public async Task<CommandPage> ListCommandsAsync(CommandQuery q)
    {
        var filters = new List<ColumnFilter>();
        AddEqual(filters, "device_id", q.DeviceId);
        AddEqual(filters, "action", q.Command);
        AddEqual(filters, "status", q.Status);
        if (q.From is { } from)
        {
            filters.Add(new ColumnFilter("timestamp_ms", FilterOperator.GreaterOrEqual, from.ToUnixTimeMilliseconds()));
        }
        if (q.To is { } to)
        {
            filters.Add(new ColumnFilter("timestamp_ms", FilterOperator.Less, to.ToUnixTimeMilliseconds()));
        }
        var (rows, next) = await PageAsync(GridTables.Commands, filters, q.Descending, q.Cursor, q.Limit);
        return new CommandPage([.. rows.Select(r => Read<CommandState>(r).ToRecord())], next);
    }

    public async Task<DevicePage> ListDevicesAsync(DeviceQuery q)
    {
        var filters = new List<ColumnFilter>();
        AddEqual(filters, "name", q.Name);
        if (q.NetworkId is { } network)
        {
            filters.Add(new ColumnFilter("network_id", FilterOperator.Equal, network));
        }
        var (rows, next) = await PageAsync(GridTables.Devices, filters, descending: false, q.Cursor, q.Limit);
        var devices = rows.Select(r => Read<DeviceState>(r).ToRecord());
        if (q.NamePrefix is { } prefix)
        {
            devices = devices.Where(d => d.Name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase));
        }
        return new DevicePage([.. devices], next);
    }

    private async Task<(IReadOnlyList<IndexedRow> Rows, string? Next)> PageAsync(
        string table, List<ColumnFilter> filters, bool descending, string? cursor, int limit)
    {
        limit = Math.Clamp(limit, 1, MaxLimit);
        var rows = await query.QueryAsync(new IndexQuery(table, filters, "created_at", descending, PageCursor.Decode(cursor, integerOrder: true), limit + 1));
        return rows.Count > limit ? (rows.Take(limit).ToArray(), PageCursor.Encode(rows[limit - 1])) : (rows, null);
    }

    private static void AddEqual(List<ColumnFilter> filters, string column, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            filters.Add(new ColumnFilter(column, FilterOperator.Equal, value));
        }
    }

    private static T Read<T>(IndexedRow row) => JsonSerializer.Deserialize<T>(row.Payload, StateJson.Options)!;
}
