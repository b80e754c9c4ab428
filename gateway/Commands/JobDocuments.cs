using CommandGrid.Grains.Interfaces;
using Microsoft.Extensions.Caching.Memory;

namespace CommandGrid.Gateway.Commands;

/// <summary>
/// The documents of the jobs whose executions this gateway delivers. A job's document is stored once, in its job
/// grain, not in each execution; a job never changes its definition, so a gateway reads it once and keeps it, within a
/// bounded cache (documents are up to 32 KB each), rather than calling the job grain for each of its thousands of
/// executions.
/// </summary>
public sealed class JobDocuments(JobService jobs) : IDisposable
{
    // 8 MB: at least 256 of the largest documents, thousands of the usual ones.
    private const long CacheBytes = 8 * 1024 * 1024;

    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = CacheBytes });

    /// <summary>The document of the job (JSON text of an object); null if the job does not exist.</summary>
    public async Task<string?> GetAsync(string jobId)
    {
        if (_cache.TryGetValue(jobId, out string? document))
        {
            return document;
        }
        if (await jobs.GetAsync(jobId) is not { } job)
        {
            return null;
        }
        document = JobDocument.Of(job.Definition);
        _cache.Set(jobId, document, new MemoryCacheEntryOptions { Size = document.Length * sizeof(char) + jobId.Length * sizeof(char) });
        return document;
    }

    /// <summary>
    /// The execution as a device that takes executions as commands gets it (an MQTT command request, a WebSocket push):
    /// with its own parameters, or for an execution of a job given by its document, that document as its parameters.
    /// </summary>
    public async Task<CommandRecord> DeliverableAsync(CommandRecord command) =>
        command.ParametersJson is null && command.JobId is { } jobId ? command with { ParametersJson = await GetAsync(jobId) } : command;

    public void Dispose() => _cache.Dispose();
}
