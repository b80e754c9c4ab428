using System.Net.Http.Headers;
using CommandGrid.Runtime;
using CommandGrid.Runtime.Cluster;
using CommandGrid.Runtime.Hosting;
using CommandGrid.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace CommandGrid.Tests.Cluster;

/// <summary>One silo or gateway of a <see cref="TestCluster"/>: its host, its HTTP address, its view of the cluster.</summary>
public sealed class ClusterNode
{
    private ClusterNode(WebApplication app, MemberRole role, string name)
    {
        App = app;
        Role = role;
        Name = name;
        BaseUri = new Uri($"http://{app.Services.GetRequiredService<CommandGrid.Gateway.KestrelEndpoints>().HttpEndPoints[0]}");
    }

    public WebApplication App { get; }

    public MemberRole Role { get; }

    public string Name { get; }

    public Uri BaseUri { get; }

    public bool Killed { get; internal set; }

    public MembershipService Membership => App.Services.GetRequiredService<MembershipService>();

    public string MemberId => Membership.MemberId;

    public IGrainFactory Grains => App.Services.GetRequiredService<IGrainFactory>();

    /// <summary>The silo's activations (null for a gateway).</summary>
    public Catalog? Catalog => Role == MemberRole.Silo ? App.Services.GetRequiredService<Catalog>() : null;

    public T Service<T>() where T : notnull => App.Services.GetRequiredService<T>();

    public HttpClient Client(string? token = null)
    {
        var client = new HttpClient { BaseAddress = BaseUri, Timeout = TimeSpan.FromSeconds(90) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token ?? GridServer.Token());
        return client;
    }

    internal static async Task<ClusterNode> StartAsync(Func<string[], WebApplication> build, MemberRole role, string name, IEnumerable<string> args)
    {
        var app = build([.. args]);
        await app.StartAsync();
        return new ClusterNode(app, role, name);
    }
}
