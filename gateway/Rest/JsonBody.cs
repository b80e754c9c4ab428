using System.Buffers;
using System.Text.Json;
using CommandGrid.Gateway.Commands;
using Microsoft.AspNetCore.Http;

namespace CommandGrid.Gateway.Rest;

/// <summary>Reads a request body as one JSON object, refusing oversized bodies before parsing them.</summary>
internal static class JsonBody
{
    public static async Task<JsonElement> ReadObjectAsync(HttpRequest request, int maxBytes)
    {
        if (request.ContentLength > maxBytes)
        {
            throw new RequestValidationException($"Body is larger than {maxBytes} bytes", 413);
        }
        var buffer = new ArrayBufferWriter<byte>();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk)) > 0)
        {
            if (buffer.WrittenCount + read > maxBytes)
            {
                throw new RequestValidationException($"Body is larger than {maxBytes} bytes", 413);
            }
            buffer.Write(chunk.AsSpan(0, read));
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(buffer.WrittenMemory);
        }
        catch (JsonException)
        {
            throw new RequestValidationException("Malformed JSON");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new RequestValidationException("The body must be a JSON object");
            }
            return document.RootElement.Clone();
        }
    }

    public static JsonElement? Property(JsonElement body, string name) =>
        body.TryGetProperty(name, out var value) ? value : null;

    public static string? String(JsonElement body, string name)
    {
        if (Property(body, name) is not { } value || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw new RequestValidationException($"{name} must be a string");
    }
}
