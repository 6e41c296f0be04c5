using System.Text.RegularExpressions;

namespace Tally.Contracts.Tests;

/// <summary>Every declaration in every proto carries a leading comment (what it means, units, when empty).</summary>
public sealed partial class ProtoCommentTests
{
    public static TheoryData<string> Files() => new(ProtoFiles.All);

    [Theory]
    [MemberData(nameof(Files))]
    public void EveryDeclaration_HasLeadingComment(string file)
    {
        var missing = FindUncommented(ProtoFiles.Read(file));

        Assert.True(missing.Count == 0,
            $"{file}: add a leading // comment above: {string.Join("; ", missing)}");
    }

    [Fact]
    public void Checker_FlagsUncommentedFieldAndEnumValue()
    {
        const string text = """
            syntax = "proto3";
            // A thing.
            message Thing {
              // Commented.
              string a = 1;
              int32 b = 2;
            }
            // Kinds.
            enum Kind {
              KIND_UNSPECIFIED = 0;
            }
            """;

        var missing = FindUncommented(text);

        Assert.Equal(["line 6: int32 b = 2;", "line 10: KIND_UNSPECIFIED = 0;"], missing);
    }

    [Fact]
    public void ProtoTree_ContainsTheExpectedFiles()
    {
        Assert.Equal(
            [
                "grpc/health/v1/health.proto",
                "grpc/reflection/v1alpha/reflection.proto",
                "grpc/testing/empty.proto",
                "grpc/testing/messages.proto",
                "grpc/testing/test.proto",
                "tally/access/v1/access.proto",
                "tally/citations/v1/citations.proto",
                "tally/common/v1/common.proto",
                "tally/common/v1/figure.proto",
                "tally/common/v1/provenance.proto",
                "tally/definitions/v1/definitions.proto",
                "tally/ingestion/v1/ingestion.proto",
                "tally/query/v1/query.proto",
            ],
            ProtoFiles.All);
    }

    /// <summary>Returns "line N: text" for each declaration whose previous non-blank line is not a // comment.</summary>
    internal static List<string> FindUncommented(string protoText)
    {
        var missing = new List<string>();
        var lines = protoText.Split('\n');
        var previousIsComment = false;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0)
            {
                continue;
            }

            if (line.StartsWith("//", StringComparison.Ordinal))
            {
                previousIsComment = true;
                continue;
            }

            if (Declaration().IsMatch(line) && !previousIsComment)
            {
                missing.Add($"line {i + 1}: {line}");
            }

            previousIsComment = false;
        }

        return missing;
    }

    // message/enum/service/rpc/oneof openers, fields (scalar, message, map, repeated, optional), enum values.
    [GeneratedRegex(
        @"^(message|enum|service|oneof)\s+\w+|^rpc\s+\w+|^(repeated\s+|optional\s+)?(map<[^>]+>|[A-Za-z_][\w.]*)\s+\w+\s*=\s*\d+|^[A-Z][A-Z0-9_]*\s*=\s*-?\d+")]
    private static partial Regex Declaration();
}
