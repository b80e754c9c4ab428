using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace CommandGrid.Gateway.Rest.OpenApi;

/// <summary>
/// A nullable JsonNode property (an execution's result) is any JSON value, null included. The generator writes it
/// as oneOf [null, JsonNode], and JsonNode's schema is {} (any): a strict validator refuses null there, since null
/// matches both. Such a property becomes the reference to JsonNode alone. Done on the finished document because
/// the generator adds the oneOf after the schema transformers have run.
/// </summary>
internal sealed class AnyJsonValue : IOpenApiDocumentTransformer
{
    private const string JsonNode = "JsonNode";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        foreach (var schema in document.Components?.Schemas?.Values ?? [])
        {
            if (schema.Properties is not { } properties)
            {
                continue;
            }
            foreach (var (name, property) in properties.ToList())
            {
                if (property.OneOf is { Count: 2 } choices
                    && choices.Any(c => c.Type == JsonSchemaType.Null)
                    && choices.OfType<OpenApiSchemaReference>().FirstOrDefault(r => r.Reference.Id == JsonNode) is { } any)
                {
                    properties[name] = any;
                }
            }
        }
        return Task.CompletedTask;
    }
}
