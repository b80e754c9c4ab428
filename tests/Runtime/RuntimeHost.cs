using CommandGrid.Runtime;
using CommandGrid.Runtime.Hosting;
using CommandGrid.Runtime.Storage;
using CommandGrid.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CommandGrid.Tests.Runtime;

/// <summary>A silo hosting the test grains on a real store, without any door.</summary>
public sealed class RuntimeHost : IAsyncDisposable
{
    private readonly IHost _host;

    private RuntimeHost(IHost host, TestStorage storage)
    {
        _host = host;
        Storage = storage;
    }

    public TestStorage Storage { get; }

    public IGrainFactory Grains => _host.Services.GetRequiredService<IGrainFactory>();

    public T Service<T>() where T : notnull => _host.Services.GetRequiredService<T>();

    public static async Task<RuntimeHost> StartAsync(TestStorage? storage = null, IDictionary<string, string?>? runtime = null,
        ReminderLog? reminders = null, ActivationLog? activations = null)
    {
        storage ??= await TestStorage.CreateAsync();
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(runtime ?? new Dictionary<string, string?>());
        builder.Services.AddSingleton(reminders ?? new ReminderLog());
        builder.Services.AddSingleton(activations ?? new ActivationLog());
        builder.Services.AddRelationalStorage(o =>
        {
            o.Provider = storage.Provider;
            o.ConnectionString = storage.ConnectionString;
        });
        builder.Services.AddGrainRuntime(builder.Configuration, r => r
            .AddGrain<CounterGrain>()
            .AddGrain<PingGrain>()
            .AddGrain<AlarmGrain>()
            .AddGrain<NewsGrain>());
        var host = builder.Build();
        await host.StartAsync();
        return new RuntimeHost(host, storage);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
