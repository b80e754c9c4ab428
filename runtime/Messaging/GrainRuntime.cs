using System.Collections.Immutable;
using System.Reflection;
using CommandGrid.Runtime.Observers;
using Microsoft.Extensions.Options;

namespace CommandGrid.Runtime.Messaging;

/// <summary>
/// The caller's half of the runtime, in silos and clients alike: turns interface calls into
/// requests, enforces call timeouts, and hosts the observers this process created.
/// </summary>
public sealed class GrainRuntime : IGrainFactory
{
    private readonly IMessageRouter _router;
    private readonly RuntimeOptions _options;
    private readonly GrainSerializer _serializer;

    public GrainRuntime(IMessageRouter router, ObserverRegistry observers, IOptions<RuntimeOptions> options)
    {
        _router = router;
        _options = options.Value;
        Observers = observers;
        _serializer = new GrainSerializer(this);
    }

    public ObserverRegistry Observers { get; }

    public TGrain GetGrain<TGrain>(string key) where TGrain : IGrainWithStringKey =>
        (TGrain)GetReference(typeof(TGrain), new GrainId(GrainTypeName.Of(typeof(TGrain)), key));

    public TGrain GetGrain<TGrain>(long key) where TGrain : IGrainWithIntegerKey =>
        (TGrain)GetReference(typeof(TGrain), GrainId.Create(GrainTypeName.Of(typeof(TGrain)), key));

    public TObserver CreateObjectReference<TObserver>(TObserver observer) where TObserver : class, IGrainObserver
    {
        GrainMethod.RegisterInterface(typeof(TObserver));
        var id = Observers.Register(observer, typeof(TObserver), this);
        return (TObserver)GetReference(typeof(TObserver), id);
    }

    public void DeleteObjectReference<TObserver>(TObserver reference) where TObserver : class, IGrainObserver
    {
        if (reference is IGrainReference r)
        {
            Observers.Unregister(r.ReferenceId);
        }
    }

    public object GetReference(Type grainInterface, GrainId id)
    {
        GrainMethod.RegisterInterface(grainInterface);
        return GrainReferenceProxy.Create(grainInterface, id, this);
    }

    internal object Invoke(GrainId target, GrainMethod method, object?[] args)
    {
        var arguments = ImmutableArray.CreateBuilder<byte[]>(args.Length);
        for (var i = 0; i < args.Length; i++)
        {
            arguments.Add(_serializer.Serialize(args[i], method.ParameterTypes[i]));
        }
        var request = new GrainRequest(target, method.Interface, method.Name, arguments.MoveToImmutable(), method.OneWay,
            method.OneWay ? [] : CallContext.Current);
        if (method.OneWay)
        {
            _ = SendOneWayAsync(request);
            return Task.CompletedTask;
        }
        var response = SendWithTimeoutAsync(request);
        return method.ResultType is null
            ? AwaitVoid(response)
            : ResultConverter.For(method.ResultType).Convert(response, this, method.ResultType);
    }

    private async Task SendOneWayAsync(GrainRequest request)
    {
        try
        {
            await _router.SendAsync(request, CancellationToken.None).ConfigureAwait(false);
        }
        catch
        {
            // One-way calls have no one to report to; the router logs what it could not deliver.
        }
    }

    private async Task<GrainResponse> SendWithTimeoutAsync(GrainRequest request)
    {
        using var timeout = new CancellationTokenSource(_options.CallTimeout);
        try
        {
            return await _router.SendAsync(request, timeout.Token).WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new GrainCallTimeoutException(
                $"Call to {request.Target}.{request.Method} got no answer within {_options.CallTimeout.TotalSeconds:0.###} s.");
        }
    }

    private static async Task AwaitVoid(Task<GrainResponse> response)
    {
        var result = await response.ConfigureAwait(false);
        if (result.Error is not null)
        {
            throw ExceptionCodec.ToException(result.Error);
        }
    }

    internal object? DeserializeResult(GrainResponse response, Type type)
    {
        if (response.Error is not null)
        {
            throw ExceptionCodec.ToException(response.Error);
        }
        return response.Result is null ? null : _serializer.Deserialize(response.Result, type);
    }

    /// <summary>Runs an incoming request against a target object: deserialise, invoke, await, serialise.</summary>
    internal async Task<GrainResponse> InvokeLocalAsync(object target, GrainRequest request)
    {
        try
        {
            var method = GrainMethod.Find(request.Interface, request.Method);
            if (request.Arguments.Length != method.ParameterTypes.Length)
            {
                throw new ArgumentException($"{request.Interface}.{request.Method} takes {method.ParameterTypes.Length} arguments, got {request.Arguments.Length}.");
            }
            var args = new object?[method.ParameterTypes.Length];
            for (var i = 0; i < args.Length; i++)
            {
                args[i] = _serializer.Deserialize(request.Arguments[i], method.ParameterTypes[i]);
            }
            Task task;
            try
            {
                task = (Task)method.Method.Invoke(target, args)!;
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                throw e.InnerException;
            }
            await task.ConfigureAwait(false);
            return GrainResponse.Success(method.ResultType is null
                ? null
                : _serializer.Serialize(method.ResultGetter!.GetValue(task), method.ResultType));
        }
        catch (Exception e)
        {
            return GrainResponse.Failure(e);
        }
    }

    /// <summary>Builds a typed Task&lt;T&gt; from a response without reflection on the hot path.</summary>
    private abstract class ResultConverter
    {
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, ResultConverter> Cache = new();

        public static ResultConverter For(Type type) =>
            Cache.GetOrAdd(type, t => (ResultConverter)Activator.CreateInstance(typeof(Typed<>).MakeGenericType(t))!);

        public abstract object Convert(Task<GrainResponse> response, GrainRuntime runtime, Type type);

        private sealed class Typed<T> : ResultConverter
        {
            public override object Convert(Task<GrainResponse> response, GrainRuntime runtime, Type type) => Await(response, runtime);

            private static async Task<T> Await(Task<GrainResponse> response, GrainRuntime runtime) =>
                (T)runtime.DeserializeResult(await response.ConfigureAwait(false), typeof(T))!;
        }
    }
}
