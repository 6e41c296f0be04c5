using Tally.Grpc.Internal;

namespace Tally.Grpc.Tests.Unit;

public sealed class MetadataTests
{
    [Fact]
    public void Entry_KeyIsLowerCased()
    {
        var entry = new Metadata.Entry("X-Request-ID", "abc");

        Assert.Equal("x-request-id", entry.Key);
        Assert.False(entry.IsBinary);
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("colon:")]
    [InlineData("ünicode")]
    [InlineData("")]
    public void Entry_InvalidKey_Throws(string key) =>
        Assert.ThrowsAny<ArgumentException>(() => new Metadata.Entry(key, "v"));

    [Fact]
    public void Entry_BinaryKeyNeedsBytesAndTextKeyNeedsText()
    {
        Assert.Throws<ArgumentException>(() => new Metadata.Entry("data-bin", "text"));
        Assert.Throws<ArgumentException>(() => new Metadata.Entry("data", [1]));
        Assert.True(new Metadata.Entry("data-bin", [1]).IsBinary);
    }

    [Theory]
    [InlineData("tab\there")]
    [InlineData("new\nline")]
    [InlineData("naïve")]
    public void Entry_NonPrintableAsciiValue_Throws(string value)
    {
        var ex = Assert.Throws<ArgumentException>(() => new Metadata.Entry("k", value));

        Assert.Contains("use a '-bin' key", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Get_ReturnsLastEntryCaseInsensitively()
    {
        var metadata = new Metadata { { "k", "first" }, { "k", "second" }, { "other-bin", [9] } };

        Assert.Equal("second", metadata.GetValue("K"));
        Assert.Equal(2, metadata.GetAll("k").Count());
        Assert.Equal([9], metadata.GetValueBytes("other-bin"));
        Assert.Null(metadata.Get("missing"));
        Assert.Throws<InvalidOperationException>(() => metadata.Get("other-bin")!.Value);
    }

    [Fact]
    public void Empty_IsReadOnly() => Assert.Throws<InvalidOperationException>(() => Metadata.Empty.Add("k", "v"));

    [Fact]
    public void WireValue_BinaryIsUnpaddedBase64()
    {
        Assert.Equal("AQI", MetadataWire.ToWireValue(new Metadata.Entry("x-bin", [1, 2])));
        Assert.Equal("text", MetadataWire.ToWireValue(new Metadata.Entry("x", "text")));
    }

    [Theory]
    [InlineData("AQI")]
    [InlineData("AQI=")]
    public void FromWire_AcceptsPaddedAndUnpaddedBase64(string value)
    {
        var metadata = new Metadata();

        MetadataWire.AddFromWire(metadata, "x-bin", value);

        Assert.Equal([1, 2], metadata.GetValueBytes("x-bin"));
    }

    [Fact]
    public void FromWire_CommaJoinedBinaryValues_AreSeparateEntries()
    {
        var metadata = new Metadata();

        MetadataWire.AddFromWire(metadata, "x-bin", "AQ, Ag==");

        Assert.Equal([[1], [2]], metadata.GetAll("x-bin").Select(e => e.ValueBytes));
    }

    [Theory]
    [InlineData("grpc-status")]
    [InlineData("grpc-timeout")]
    [InlineData("content-type")]
    [InlineData("te")]
    [InlineData(":path")]
    public void FromWire_ProtocolHeaders_AreNotMetadata(string key)
    {
        var metadata = new Metadata();

        MetadataWire.AddFromWire(metadata, key, "0");

        Assert.Empty(metadata);
    }

    [Fact]
    public void FromWire_InvalidBase64_Internal()
    {
        var ex = Assert.Throws<RpcException>(() => MetadataWire.AddFromWire(new Metadata(), "x-bin", "!!!"));

        Assert.Equal(StatusCode.Internal, ex.StatusCode);
    }
}
