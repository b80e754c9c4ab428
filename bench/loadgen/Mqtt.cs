using System.Buffers;
using System.Text;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Loadgen;

/// <summary>MQTTnet 5.2 client helpers: MQTT 5, clean start, TCP_NODELAY, 60 s keep-alive.</summary>
public static class Mqtt
{
    public const string Root = "$emqx/commands/things/";
    private static readonly MqttClientFactory Factory = new();

    /// <summary>TLS for every client of this process, from the options (--tls); null: plain TCP.</summary>
    public static MqttTls? Tls { get; set; }

    public static async Task<IMqttClient> ConnectAsync(string host, int port, string clientId, string? user, string? password,
        Func<MqttApplicationMessageReceivedEventArgs, Task>? onMessage = null)
    {
        var client = Factory.CreateMqttClient();
        if (onMessage is not null) client.ApplicationMessageReceivedAsync += onMessage;
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(host, port)
            .WithClientId(clientId)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithCleanStart(true)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(60))
            .WithTimeout(TimeSpan.FromSeconds(60));
        if (Tls is { } tls)
        {
            builder = tls.Apply(builder, clientId);
            // A device certificate is the credential; the user name still names the thing.
            if (tls.IssuesDeviceCertificates) password = null;
        }
        if (user is not null) builder = password is null ? builder.WithCredentials(user) : builder.WithCredentials(user, password);
        var options = builder.Build();
        if (options.ChannelOptions is MqttClientTcpOptions tcp) tcp.NoDelay = true;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        try
        {
            var result = await client.ConnectAsync(options, cts.Token);
            if (result.ResultCode != MqttClientConnectResultCode.Success) throw new InvalidOperationException($"CONNACK {result.ResultCode} for {clientId}");
            return client;
        }
        catch
        {
            // A refused device retries with a new client (idle --reconnect-ms): the failed one must not hold its socket.
            client.Dispose();
            throw;
        }
    }

    public static async Task SubscribeAsync(IMqttClient client, IEnumerable<string> filters)
    {
        var builder = Factory.CreateSubscribeOptionsBuilder();
        var any = false;
        foreach (var f in filters)
        {
            builder = builder.WithTopicFilter(t => t.WithTopic(f).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce));
            any = true;
        }
        if (!any) return;
        var result = await client.SubscribeAsync(builder.Build());
        foreach (var item in result.Items)
        {
            if ((int)item.ResultCode > 2) throw new InvalidOperationException($"SUBACK {item.ResultCode} for {item.TopicFilter.Topic}");
        }
    }

    public static MqttApplicationMessage Message(string topic, byte[] payload) => new MqttApplicationMessageBuilder()
        .WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();

    public static string PayloadText(MqttApplicationMessage m) => Encoding.UTF8.GetString(m.Payload.ToArray());

    /// <summary>Runs at most <paramref name="parallel"/> of the actions at once.</summary>
    public static async Task ForAllAsync(int count, int parallel, Func<int, Task> action)
    {
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (i, _) => await action(i));
    }
}
