// A minimal MQTTnet 5.2 broker for bench/workloads.sh: plain TCP, no authentication, no persistence,
// TCP_NODELAY on, nothing but MQTTnet's own routing. Usage: mqttnet-server <port>. Prints "ready <port>".
using System.Net;
using MQTTnet.Server;

var port = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 1883;
var options = new MqttServerFactory().CreateServerOptionsBuilder()
    .WithDefaultEndpoint()
    .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
    .WithDefaultEndpointPort(port)
    .WithConnectionBacklog(4096)
    .WithMaxPendingMessagesPerClient(10000)
    .Build();
options.DefaultEndpointOptions.NoDelay = true;
using var server = new MqttServerFactory().CreateMqttServer(options);
server.ValidatingConnectionAsync += _ => Task.CompletedTask; // accept everyone (the relay baseline has no auth)
await server.StartAsync();
Console.WriteLine($"ready {port}");
var stop = new TaskCompletionSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.TrySetResult(); };
AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.TrySetResult();
await stop.Task;
await server.StopAsync();
