// Placeholder host so the solution builds while the gateway (WebSocket, REST, MQTT) is written.
var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();
app.Run();
