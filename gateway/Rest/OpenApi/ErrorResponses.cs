using CommandGrid.Gateway.Rest.Wire;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace CommandGrid.Gateway.Rest.OpenApi;

/// <summary>Declares the error statuses an endpoint (or a group of them) answers, each with the error body.</summary>
public static class ErrorResponses
{
    public static TBuilder ProducesErrors<TBuilder>(this TBuilder builder, params int[] statuses) where TBuilder : IEndpointConventionBuilder
    {
        foreach (var status in statuses)
        {
            builder.WithMetadata(new ProducesResponseTypeMetadata(status, typeof(ErrorBody), [ApiDocument.Json]));
        }
        return builder;
    }
}
