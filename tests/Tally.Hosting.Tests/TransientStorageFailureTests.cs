using System.Data.Common;
using Microsoft.Extensions.Logging.Abstractions;
using Tally.Grpc;

namespace Tally.Hosting.Tests;

/// <summary>A database failure the driver calls transient reaches the caller as UNAVAILABLE; nothing else is touched.</summary>
public sealed class TransientStorageFailureTests
{
    private readonly TransientStorageFailureInterceptor _interceptor = new(NullLogger<TransientStorageFailureInterceptor>.Instance);

    [Fact]
    public async Task TransientDatabaseFailure_BecomesUnavailableThatSaysToRetry()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => _interceptor.UnaryServerHandler<string, string>(
            "request", null!, (_, _) => throw new FakeDbException("terminating connection due to administrator command", transient: true)));
        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        Assert.Contains("administrator command", e.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("Retry", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TransientFailureWrappedByTheHandler_StillUnavailable()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => _interceptor.ServerStreamingServerHandler<string, string>(
            "request", null!, null!, (_, _, _) => throw new InvalidOperationException("load failed", new FakeDbException("connection refused", transient: true))));
        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
    }

    [Fact]
    public async Task PermanentDatabaseFailure_PassesThroughUnchanged()
    {
        var thrown = new FakeDbException("syntax error at or near SELEKT", transient: false);
        var e = await Assert.ThrowsAsync<FakeDbException>(() => _interceptor.UnaryServerHandler<string, string>("request", null!, (_, _) => throw thrown));
        Assert.Same(thrown, e);
    }

    [Fact]
    public async Task StatusChosenByTheHandler_IsKept()
    {
        var thrown = new RpcException(new Status(StatusCode.NotFound, "no such metric"));
        var e = await Assert.ThrowsAsync<RpcException>(() => _interceptor.UnaryServerHandler<string, string>("request", null!, (_, _) => throw thrown));
        Assert.Same(thrown, e);
    }

    [Fact]
    public async Task Success_ReturnsTheResponse() =>
        Assert.Equal("response", await _interceptor.UnaryServerHandler<string, string>("request", null!, (_, _) => Task.FromResult("response")));

    private sealed class FakeDbException(string message, bool transient) : DbException(message)
    {
        public override bool IsTransient => transient;
    }
}
