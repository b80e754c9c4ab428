using System.Text.Json;
using CommandGrid.Gateway.Commands;
using CommandGrid.Grains.Interfaces;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CommandGrid.Gateway.Rest;

/// <summary>Turns what the grains and validators throw into the documented REST errors.</summary>
internal sealed class RestExceptionFilter(ILogger<RestExceptionFilter> logger) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (Exception e)
        {
            var (status, message) = e switch
            {
                RequestValidationException v => (v.StatusCode, v.Message),
                JsonException => (400, "Malformed JSON: " + e.Message),
                ArgumentException => (400, e.Message),
                CommandValidationException => (400, e.Message),
                DeviceNotFoundException or CommandNotFoundException or GroupNotFoundException or JobNotFoundException => (404, e.Message),
                CommandFinalException or ClientTokenConflictException or InvalidStatusTransitionException or JobConflictException => (409, e.Message),
                _ when GridRetry.IsUnavailable(e) => (503, "The grid did not answer in time; retry (with the same clientToken to stay idempotent)."),
                _ => (500, "Internal error"),
            };
            if (status >= 500)
            {
                logger.LogError(e, "REST {Method} {Path} failed", context.HttpContext.Request.Method, context.HttpContext.Request.Path);
            }
            return RestError.Of(status, message);
        }
    }
}
