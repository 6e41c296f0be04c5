using Tally.Hosting;
using Tally.Grpc;

namespace Tally.Hosting.Tests;

public sealed class PageTokenTests
{
    [Fact]
    public void NextToken_RoundTripsToTheNextOffset()
    {
        var token = PageTokens.Next(offset: 100, returned: 50, more: true);

        Assert.Equal(150, PageTokens.Offset(token));
        Assert.Equal("", PageTokens.Next(100, 50, more: false));
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("eDox")] // "x:1"
    public void ForeignToken_IsInvalidArgument(string token)
    {
        var ex = Assert.Throws<RpcException>(() => PageTokens.Offset(token));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
    }

    [Fact]
    public void PageSize_DefaultsCapsAndRejectsNegative()
    {
        Assert.Equal(PageTokens.DefaultPageSize, PageTokens.Size(0));
        Assert.Equal(PageTokens.MaxPageSize, PageTokens.Size(50_000));
        Assert.Equal(StatusCode.InvalidArgument, Assert.Throws<RpcException>(() => PageTokens.Size(-1)).StatusCode);
    }
}
