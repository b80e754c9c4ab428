using System.Text.Json;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace CommandGrid.Gateway.Rest.OpenApi;

/// <summary>Puts each body's example (<see cref="ApiExamples"/>) on its schema, serialized as the door writes it.</summary>
internal sealed class SchemaExamples : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        // Only on the type's own schema, not on each property that has the type.
        if (context.JsonPropertyInfo is null && ApiExamples.ByType.TryGetValue(context.JsonTypeInfo.Type, out var example))
        {
            schema.Examples = [JsonSerializer.SerializeToNode(example, context.JsonTypeInfo)!];
        }
        return Task.CompletedTask;
    }
}
