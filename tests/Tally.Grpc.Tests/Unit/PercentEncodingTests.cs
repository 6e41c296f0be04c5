using Tally.Grpc.Internal;

namespace Tally.Grpc.Tests.Unit;

public sealed class PercentEncodingTests
{
    [Theory]
    [InlineData("plain text, unchanged!", "plain text, unchanged!")]
    [InlineData("50% off", "50%25 off")]
    [InlineData("ü", "%C3%BC")]
    [InlineData("line\nbreak\t", "line%0Abreak%09")]
    [InlineData("€", "%E2%82%AC")]
    [InlineData("𝄞", "%F0%9D%84%9E")]
    [InlineData("~\u007f", "~%7F")]
    public void Encode_EncodesExactlyWhatTheSpecRequires(string input, string expected) =>
        Assert.Equal(expected, PercentEncoding.Encode(input));

    [Theory]
    [InlineData("%C3%BC", "ü")]
    [InlineData("%c3%bc", "ü")]
    [InlineData("50%25 off", "50% off")]
    [InlineData("bad %zz and %4", "bad %zz and %4")]
    [InlineData("trailing %", "trailing %")]
    [InlineData("no escapes", "no escapes")]
    public void Decode_DecodesValidSequencesAndKeepsInvalidOnes(string input, string expected) =>
        Assert.Equal(expected, PercentEncoding.Decode(input));

    [Fact]
    public void EncodeThenDecode_RoundTripsAnyText()
    {
        var random = new Random(7);
        for (var i = 0; i < 500; i++)
        {
            var chars = Enumerable.Range(0, random.Next(0, 40)).Select(_ => (char)random.Next(1, 0xD7FF)).ToArray();
            var text = new string(chars);

            var encoded = PercentEncoding.Encode(text);

            Assert.All(encoded, c => Assert.InRange(c, ' ', '~'));
            Assert.Equal(text, PercentEncoding.Decode(encoded));
        }
    }
}
