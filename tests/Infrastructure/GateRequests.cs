namespace CommandGrid.Tests.Infrastructure;

/// <summary>A GET as a browser or an API client sends it to a gated page: optional Accept, bearer token and cookie.</summary>
public static class GateRequests
{
    /// <remarks>Returns once the headers are in, so a page that streams (the dashboard's Trace) answers too.</remarks>
    public static async Task<HttpResponseMessage> GetAsync(this HttpClient http, string path, string? accept = null, string? bearer = null, string? cookie = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }
        if (bearer is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + bearer);
        }
        if (cookie is not null)
        {
            request.Headers.TryAddWithoutValidation("Cookie", cookie);
        }
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }
}
