using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tally.Grpc.Server;

namespace Tally.Grpc;

public static class GrpcServiceCollectionExtensions
{
    /// <summary>Registers the gRPC server: options, the service registry and routing.</summary>
    public static IServiceCollection AddTallyGrpc(this IServiceCollection services, Action<GrpcServerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddRouting();
        services.AddOptions<GrpcServerOptions>();
        if (configure is not null)
        {
            services.Configure(configure);
        }
        services.TryAddSingleton<GrpcServiceRegistry>();
        return services;
    }
}

public static class GrpcEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps every method of a service implementation (a class deriving from a generated <c>XBase</c>) to
    /// POST /{package.Service}/{Method}. The implementation is taken from DI when registered, else created per call.
    /// </summary>
    public static IEndpointConventionBuilder MapGrpcService<TService>(this IEndpointRouteBuilder endpoints) where TService : class
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return endpoints.MapGrpcService(Bind<TService>(endpoints.ServiceProvider), typeof(TService));
    }

    /// <summary>Maps a service definition built by hand or by a generated <c>BindService</c>.</summary>
    public static IEndpointConventionBuilder MapGrpcService(this IEndpointRouteBuilder endpoints, ServerServiceDefinition definition) =>
        endpoints.MapGrpcService(definition, null);

    private static CompositeConventionBuilder MapGrpcService(this IEndpointRouteBuilder endpoints, ServerServiceDefinition definition, Type? implementationType)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(definition);
        var services = endpoints.ServiceProvider;
        var registry = services.GetService<GrpcServiceRegistry>()
            ?? throw new InvalidOperationException("gRPC services are not registered: call services.AddTallyGrpc() before MapGrpcService.");
        var runtime = registry.Runtime ??= CreateRuntime(services);

        if (definition.Descriptor is { } descriptor)
        {
            if (descriptor.FullName != definition.Name)
            {
                throw new InvalidOperationException(
                    $"gRPC service '{definition.Name}' was bound with the descriptor of '{descriptor.FullName}'.");
            }
            foreach (var method in definition.Methods)
            {
                method.Validate(descriptor);
            }
        }
        registry.Add(new GrpcServiceInfo(definition.Name, definition.Descriptor, definition.Methods.Select(m => m.Method).ToArray(), implementationType));

        var builders = new List<IEndpointConventionBuilder>();
        foreach (var method in definition.Methods)
        {
            var builder = endpoints.MapMethods(method.Method.FullName, [HttpMethods.Post], method.CreateRequestDelegate(runtime));
            builder.WithDisplayName($"gRPC - {method.Method.FullName}").WithMetadata(method.Method);
            builders.Add(builder);
        }
        if (!registry.UnimplementedMapped)
        {
            registry.UnimplementedMapped = true;
            MapUnimplemented(endpoints, registry);
        }
        return new CompositeConventionBuilder(builders);
    }

    private static GrpcServerRuntime CreateRuntime(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<GrpcServerOptions>>().Value;
        var interceptors = options.Interceptors.Select(create => create(services)).ToArray();
        return new GrpcServerRuntime(options, interceptors, services.GetRequiredService<ILoggerFactory>().CreateLogger("Tally.Grpc.Server"));
    }

    /// <summary>Unknown service or method: UNIMPLEMENTED as a Trailers-Only response.</summary>
    private static void MapUnimplemented(IEndpointRouteBuilder endpoints, GrpcServiceRegistry registry)
    {
        endpoints.MapMethods("{unimplementedService}/{unimplementedMethod}", [HttpMethods.Post], context =>
        {
            if (!Internal.GrpcProtocol.IsGrpcContentType(context.Request.ContentType))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }
            if (!ServerProtocol.ValidateRequest(context))
            {
                return Task.CompletedTask;
            }
            var service = (string)context.Request.RouteValues["unimplementedService"]!;
            var method = (string)context.Request.RouteValues["unimplementedMethod"]!;
            ServerProtocol.WriteTrailersOnly(context, new Status(StatusCode.Unimplemented, registry.TryGetService(service, out _)
                ? $"Method '{method}' is not implemented by service '{service}'."
                : $"Service '{service}' is not implemented by this server."));
            return Task.CompletedTask;
        })
        .WithDisplayName("gRPC - unimplemented")
        .Add(builder => ((RouteEndpointBuilder)builder).Order = int.MaxValue);
    }

    /// <summary>Finds the generated BindService(Func&lt;ServerCallContext, XBase&gt;) through [BindServiceMethod] on a base class.</summary>
    private static ServerServiceDefinition Bind<TService>(IServiceProvider services) where TService : class
    {
        BindServiceMethodAttribute? attribute = null;
        for (var type = typeof(TService); type is not null && attribute is null; type = type.BaseType)
        {
            attribute = type.GetCustomAttribute<BindServiceMethodAttribute>(inherit: false);
        }
        if (attribute is null)
        {
            throw new InvalidOperationException(
                $"{typeof(TService)} is not a gRPC service: it must derive from a generated service base class (one marked [BindServiceMethod]).");
        }
        var registered = services.GetService<IServiceProviderIsService>()?.IsService(typeof(TService)) ?? true;
        var factory = CreateFactory<TService>(registered);
        var bind = attribute.BindType.GetMethods(BindingFlags.Public | BindingFlags.Static)
            .FirstOrDefault(m => m.Name == attribute.BindMethodName && m.GetParameters() is [var p] && p.ParameterType.IsInstanceOfType(factory))
            ?? throw new InvalidOperationException(
                $"{attribute.BindType}.{attribute.BindMethodName}(Func<ServerCallContext, base>) was not found for {typeof(TService)}; regenerate the service code.");
        return (ServerServiceDefinition)bind.Invoke(null, [factory])!;
    }

    /// <summary>Per call: the DI registration if there is one (any lifetime), else a new instance disposed with the request.</summary>
    private static Func<ServerCallContext, TService> CreateFactory<TService>(bool registered) where TService : class
    {
        if (registered)
        {
            return static context => context.GetHttpContext().RequestServices.GetRequiredService<TService>();
        }
        var create = ActivatorUtilities.CreateFactory<TService>(Type.EmptyTypes);
        return context =>
        {
            var http = context.GetHttpContext();
            var created = create(http.RequestServices, null);
            if (created is IAsyncDisposable asyncDisposable)
            {
                http.Response.RegisterForDisposeAsync(asyncDisposable);
            }
            else if (created is IDisposable disposable)
            {
                http.Response.RegisterForDispose(disposable);
            }
            return created;
        };
    }

    private sealed class CompositeConventionBuilder(List<IEndpointConventionBuilder> builders) : IEndpointConventionBuilder
    {
        public void Add(Action<EndpointBuilder> convention)
        {
            foreach (var builder in builders)
            {
                builder.Add(convention);
            }
        }

        public void Finally(Action<EndpointBuilder> finallyConvention)
        {
            foreach (var builder in builders)
            {
                builder.Finally(finallyConvention);
            }
        }
    }
}
