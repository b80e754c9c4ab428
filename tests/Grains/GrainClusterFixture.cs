using CommandGrid.Grains;
using CommandGrid.Storage;
using CommandGrid.Storage.Queries;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Providers;
using Orleans.Reminders;
using Orleans.Runtime.Hosting;
using Orleans.Storage;
using Orleans.TestingHost;
using Xunit;

namespace CommandGrid.Tests.Grains;

/// <summary>
/// One in-process Orleans cluster for every grain test: one silo on Orleans' memory storage (indexed
/// for the query seam by <see cref="MemoryGridIndex"/>) and its in-memory reminder service, with a
/// <see cref="FakeTimeProvider"/> as the clock of the grains and of the reminders. Orleans' own
/// background loops (membership, messaging, directory) stay on real time, so advancing the clock
/// fires only TTLs, reminder ticks and subscription expiry. Tests share the clock and run one after
/// another (one collection); each uses ids of its own.
/// </summary>
public sealed class GrainClusterFixture : IAsyncLifetime
{
    // It starts at the wall clock's time because Orleans sets a keep-alive (DelayDeactivation) on the grains'
    // clock but compares it with the wall clock when it collects; tests only ever move this clock forward.
    // Whole seconds, as the stored times are milliseconds: a TTL due from "now" is then due at a stored time.
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.Client;

    public IServiceProvider Silo => Cluster.GetSiloServiceProvider();

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) => ConfigureGridSilo(silo, Clock));
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    /// <summary>A silo with the grid's grains, on memory storage and the in-memory reminder service, on <paramref name="clock"/>.</summary>
    public static void ConfigureGridSilo(ISiloBuilder silo, FakeTimeProvider clock)
    {
        silo.AddMemoryGrainStorage(IndexedMemoryGrainStorage.Inner);
        silo.Services.AddSingleton<MemoryGridIndex>();
        silo.Services.AddSingleton<IGridQueries>(sp => sp.GetRequiredService<MemoryGridIndex>());
        silo.Services.AddSingleton<ISequenceStore, MemorySequenceStore>();
        silo.Services.AddGrainStorage(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME, (sp, _) =>
            new IndexedMemoryGrainStorage(sp.GetRequiredKeyedService<IGrainStorage>(IndexedMemoryGrainStorage.Inner), sp.GetRequiredService<MemoryGridIndex>()));
        silo.UseInMemoryReminderService();
        silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
        silo.Services.AddCommandGridGrainServices(null);
        silo.Services.AddSingleton<TimeProvider>(clock);
        silo.Services.UseTimeProviderForBackgroundAreas(TimeProvider.System);
        silo.Services.AddKeyedSingleton<TimeProvider>(ReminderTimeProviderNames.Reminders, clock);
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class GrainClusterCollection : ICollectionFixture<GrainClusterFixture>
{
    public const string Name = "grain cluster";
}
