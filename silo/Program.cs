// Placeholder entry point so the solution builds before the silo host is written;
// the silo work replaces this with the real host (storage, runtime, gateway endpoints).
var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();
app.Run();
