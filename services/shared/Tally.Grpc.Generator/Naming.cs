using System.Text;

namespace Tally.Grpc.Generator;

/// <summary>The C# names protoc's C# plugin (Grpc.Tools) gives to packages and files.</summary>
internal static class Naming
{
    /// <summary>"tally.testing.v1" → "Tally.Testing.V1" (used when there is no csharp_namespace option).</summary>
    public static string PackageToNamespace(string package) => UnderscoresToPascalCase(package, preservePeriod: true);

    /// <summary>"dir/echo_service.proto" → "EchoServiceReflection".</summary>
    public static string ReflectionClassName(string path)
    {
        var name = path.Replace('\\', '/');
        var slash = name.LastIndexOf('/');
        if (slash >= 0)
        {
            name = name.Substring(slash + 1);
        }
        if (name.EndsWith(".proto", System.StringComparison.OrdinalIgnoreCase))
        {
            name = name.Substring(0, name.Length - ".proto".Length);
        }
        return UnderscoresToPascalCase(name, preservePeriod: false) + "Reflection";
    }

    // Same rules as protoc's UnderscoresToCamelCase(input, cap_next_letter: true, preserve_period):
    // a letter after '_', a digit or any other separator is capitalised; separators are dropped.
    private static string UnderscoresToPascalCase(string input, bool preservePeriod)
    {
        var result = new StringBuilder(input.Length);
        var capitalizeNext = true;
        for (var i = 0; i < input.Length; i++)
        {
            var c = input[i];
            if (c >= 'a' && c <= 'z')
            {
                result.Append(capitalizeNext ? (char)(c - 'a' + 'A') : c);
                capitalizeNext = false;
            }
            else if (c >= 'A' && c <= 'Z')
            {
                result.Append(c);
                capitalizeNext = false;
            }
            else if (c >= '0' && c <= '9')
            {
                result.Append(c);
                capitalizeNext = true;
            }
            else
            {
                capitalizeNext = true;
                if (c == '.' && preservePeriod)
                {
                    result.Append('.');
                }
            }
        }
        return result.ToString();
    }
}
