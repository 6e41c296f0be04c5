namespace Tally.Datasets.Reading;

/// <summary>Read-only pass-through that counts bytes, enforces a maximum and hashes what it reads (SHA-256).</summary>
internal sealed class CountingStream(Stream inner, long maxBytes) : Stream
{
    private readonly System.Security.Cryptography.IncrementalHash _sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);

    public long BytesRead { get; private set; }

    public string Sha256Hex() => Convert.ToHexStringLower(_sha.GetCurrentHash());

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Count(buffer.AsSpan(offset, inner.Read(buffer, offset, count)));

    public override int Read(Span<byte> buffer) => Count(buffer[..inner.Read(buffer)]);

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken);
        return Count(buffer.Span[..n]);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int Count(ReadOnlySpan<byte> read)
    {
        BytesRead += read.Length;
        if (BytesRead > maxBytes)
        {
            throw new DatasetLimitException($"The upload is larger than the limit of {maxBytes:N0} bytes; split the file or raise Tally:Datasets:MaxBytes.");
        }

        _sha.AppendData(read);
        return read.Length;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _sha.Dispose();
        }

        base.Dispose(disposing);
    }
}
