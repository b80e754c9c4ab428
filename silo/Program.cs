using CommandGrid.Runtime.Storage;

// Minimal silo host: the storage choice comes from configuration ("Storage:Provider",
// "Storage:ConnectionString", "Storage:MaxBatchSize"); the rest of the silo lands later.
var builder = WebApplication.CreateBuilder(args);
var storage = builder.Configuration.GetSection("Storage");
builder.Services.AddRelationalStorage(options =>
{
    options.Provider = storage["Provider"] ?? RelationalStorageOptions.Sqlite;
    options.ConnectionString = storage["ConnectionString"] ?? "";
    if (int.TryParse(storage["MaxBatchSize"], out var maxBatchSize))
    {
        options.MaxBatchSize = maxBatchSize;
    }
});
var app = builder.Build();
app.MapGet("/health", () => "ok");
app.Run();
