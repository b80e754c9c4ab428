using System.Text.Json.Nodes;
using CommandGrid.Gateway.Rest.Wire;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace CommandGrid.Gateway.Rest.OpenApi;

/// <summary>An error's code is one of <see cref="RestError.Codes"/>: the document enumerates them, so a client can switch on it.</summary>
internal sealed class ErrorCodes : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.JsonPropertyInfo is { } property
            && property.DeclaringType == typeof(ErrorDetail)
            && property.Name.Equals(nameof(ErrorDetail.Code), StringComparison.OrdinalIgnoreCase))
        {
            schema.Enum = [.. RestError.Codes.Select(code => (JsonNode)JsonValue.Create(code))];
        }
        return Task.CompletedTask;
    }
}
