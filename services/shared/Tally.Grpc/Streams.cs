using System.Runtime.CompilerServices;

namespace Tally.Grpc;

/// <summary>A stream of messages read one at a time.</summary>
public interface IAsyncStreamReader<out T>
{
    /// <summary>The message read by the last successful <see cref="MoveNext"/>.</summary>
    T Current { get; }

    /// <summary>Reads the next message; false at the end of the stream.</summary>
    Task<bool> MoveNext(CancellationToken cancellationToken);
}

/// <summary>A stream messages are written to, one write at a time.</summary>
public interface IAsyncStreamWriter<in T>
{
    Task WriteAsync(T message);

    Task WriteAsync(T message, CancellationToken cancellationToken) =>
        cancellationToken.CanBeCanceled ? WriteWithTokenAsync(this, message, cancellationToken) : WriteAsync(message);

    private static async Task WriteWithTokenAsync(IAsyncStreamWriter<T> writer, T message, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
#pragma warning disable CA2016 // the token-taking overload is this method's caller
        await writer.WriteAsync(message).WaitAsync(cancellationToken);
#pragma warning restore CA2016
    }
}

/// <summary>The response stream of a server-streaming or duplex call, on the server.</summary>
public interface IServerStreamWriter<in T> : IAsyncStreamWriter<T>;

/// <summary>The request stream of a client-streaming or duplex call, on the client.</summary>
public interface IClientStreamWriter<in T> : IAsyncStreamWriter<T>
{
    /// <summary>Ends the request stream: the server's reader sees its end.</summary>
    Task CompleteAsync();
}

public static class AsyncStreamReaderExtensions
{
    /// <summary>Reads every remaining message: <c>await foreach (var m in call.ResponseStream.ReadAllAsync())</c>.</summary>
    public static async IAsyncEnumerable<T> ReadAllAsync<T>(
        this IAsyncStreamReader<T> streamReader, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(streamReader);
        while (await streamReader.MoveNext(cancellationToken))
        {
            yield return streamReader.Current;
        }
    }
}
