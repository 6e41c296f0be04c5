using System.Collections.Frozen;
using System.Reflection;
using System.Runtime.Serialization;
using System.Text;

namespace Tally.Catalog.Loading;

/// <summary>YAML spellings of an enum: snake_case of the member name, or its [EnumMember] value.</summary>
internal static class EnumNames<T>
    where T : struct, Enum
{
    private static readonly FrozenDictionary<string, T> ByName;
    private static readonly FrozenDictionary<T, string> ByValue;

    static EnumNames()
    {
        var pairs = typeof(T).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => (Name: f.GetCustomAttribute<EnumMemberAttribute>()?.Value ?? EnumNaming.SnakeCase(f.Name), Value: (T)f.GetValue(null)!))
            .ToList();
        ByName = pairs.ToFrozenDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal);
        ByValue = pairs.ToFrozenDictionary(p => p.Value, p => p.Name);
        All = pairs.Select(p => p.Name).ToArray();
    }

    /// <summary>Every spelling, in declaration order.</summary>
    public static IReadOnlyList<string> All { get; }

    public static bool TryParse(string text, out T value) => ByName.TryGetValue(text, out value);

    public static string Name(T value) => ByValue[value];
}

internal static class EnumNaming
{
    /// <summary>PascalCase to snake_case: UsFederalFiscalYear -> us_federal_fiscal_year.</summary>
    public static string SnakeCase(string name)
    {
        var text = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0)
                {
                    text.Append('_');
                }

                text.Append(char.ToLowerInvariant(c));
            }
            else
            {
                text.Append(c);
            }
        }

        return text.ToString();
    }
}
