using System.CommandLine;
using Google.Protobuf;

namespace Tally.Cli.Infrastructure;

/// <summary>--format and the JSON writer (the proto3 JSON mapping, lowerCamelCase, defaults included).</summary>
internal static class OutputFormat
{
    public const string Text = "text";
    public const string Json = "json";
    public const string Markdown = "markdown";
    public const string JsonLd = "jsonld";

    private static readonly JsonFormatter Formatter =
        new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true).WithIndentation("  "));

    public static Option<string> Create(params string[] formats)
    {
        var option = new Option<string>("--format", "-f")
        {
            Description = $"Output format: {string.Join(", ", formats)}",
            HelpName = "FORMAT",
            DefaultValueFactory = _ => Text,
        };
        option.AcceptOnlyFromAmong(formats);
        return option;
    }

    /// <summary>A message as proto3 JSON, with zero values written out so readers can rely on every field.</summary>
    public static string ToJson(IMessage message) => Formatter.Format(message) + "\n";
}
