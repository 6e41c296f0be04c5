using System.Text.RegularExpressions;

namespace Tally.Analysis;

/// <summary>A government body that publishes or is the subject of immigration statistics.</summary>
/// <param name="Code">Short code ("ICE").</param>
/// <param name="Name">Full name ("U.S. Immigration and Customs Enforcement").</param>
/// <param name="Parent">Code of the body it belongs to ("DHS"), for scope comparisons; null at the top.</param>
public sealed record Agency(string Code, string Name, string? Parent);

/// <summary>An agency named in text.</summary>
public sealed record AgencyMention(Agency Agency, string Text, TextSpan Span, string Reason);

/// <summary>
/// The agencies Tally knows by name and acronym. Acronyms match case-sensitively ("ICE", not "ice") unless the
/// whole text is lower-case (people type "how many did ice deport"); names match case-insensitively; longer names
/// win ("Homeland Security Investigations" is HSI, not DHS).
/// </summary>
public static class Agencies
{
    private static readonly (Agency Agency, string[] Names, string[] Acronyms)[] Table =
    [
        (new("DHS", "U.S. Department of Homeland Security", null), ["Department of Homeland Security", "Homeland Security Department", "Homeland Security"], ["DHS"]),
        (new("ICE", "U.S. Immigration and Customs Enforcement", "DHS"), ["Immigration and Customs Enforcement"], ["ICE"]),
        (new("ERO", "ICE Enforcement and Removal Operations", "ICE"), ["Enforcement and Removal Operations"], ["ERO"]),
        (new("HSI", "ICE Homeland Security Investigations", "ICE"), ["Homeland Security Investigations"], ["HSI"]),
        (new("OPLA", "ICE Office of the Principal Legal Advisor", "ICE"), ["Office of the Principal Legal Advisor"], ["OPLA"]),
        (new("CBP", "U.S. Customs and Border Protection", "DHS"), ["Customs and Border Protection"], ["CBP"]),
        (new("USBP", "U.S. Border Patrol", "CBP"), ["Border Patrol"], ["USBP"]),
        (new("USCIS", "U.S. Citizenship and Immigration Services", "DHS"), ["Citizenship and Immigration Services"], ["USCIS"]),
        (new("OIG", "DHS Office of Inspector General", "DHS"), ["Office of Inspector General", "Office of the Inspector General", "Inspector General"], ["OIG"]),
        (new("DOJ", "U.S. Department of Justice", null), ["Department of Justice", "Justice Department"], ["DOJ"]),
        (new("EOIR", "DOJ Executive Office for Immigration Review", "DOJ"), ["Executive Office for Immigration Review", "immigration courts", "immigration court"], ["EOIR"]),
        (new("HHS", "U.S. Department of Health and Human Services", null), ["Department of Health and Human Services", "Health and Human Services"], ["HHS"]),
        (new("ORR", "HHS Office of Refugee Resettlement", "HHS"), ["Office of Refugee Resettlement"], ["ORR"]),
    ];

    private static readonly Dictionary<string, Agency> ByKey = BuildKeys();

    private static readonly Regex CaseSensitive = BuildRegex(ignoreAcronymCase: false);

    private static readonly Regex CaseInsensitive = BuildRegex(ignoreAcronymCase: true);

    public static IReadOnlyList<Agency> All { get; } = [.. Table.Select(t => t.Agency)];

    /// <summary>The agency with this code, or null.</summary>
    public static Agency? Find(string code)
    {
        ArgumentNullException.ThrowIfNull(code);
        return All.FirstOrDefault(a => string.Equals(a.Code, code, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>True when <paramref name="code"/> is <paramref name="ancestor"/> or lies under it (ERO → ICE → DHS).</summary>
    public static bool IsWithin(string code, string ancestor)
    {
        for (var a = Find(code); a is not null; a = a.Parent is null ? null : Find(a.Parent))
        {
            if (string.Equals(a.Code, ancestor, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Agencies named in <paramref name="text"/>, in order.</summary>
    public static IReadOnlyList<AgencyMention> FindMentions(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var allLower = !text.Any(char.IsUpper);
        var regex = allLower ? CaseInsensitive : CaseSensitive;
        var result = new List<AgencyMention>();
        foreach (Match m in regex.Matches(text))
        {
            var key = Key(m.Value);
            var agency = ByKey[key];
            var isAcronym = string.Equals(key, agency.Code.ToLowerInvariant(), StringComparison.Ordinal);
            var how = isAcronym
                ? allLower ? "acronym (matched without case because the whole question is lower-case)" : "acronym"
                : "name";
            result.Add(new AgencyMention(agency, m.Value, new TextSpan(m.Index, m.Length), $"'{m.Value}' → {agency.Code} ({agency.Name}) by {how}"));
        }

        return result;
    }

    private static string Key(string s) =>
        string.Join(' ', s.Replace("U.S.", string.Empty, StringComparison.OrdinalIgnoreCase)
            .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).ToLowerInvariant();

    private static Dictionary<string, Agency> BuildKeys()
    {
        var d = new Dictionary<string, Agency>(StringComparer.Ordinal);
        foreach (var (agency, names, acronyms) in Table)
        {
            foreach (var n in names.Concat(acronyms))
            {
                d[Key(n)] = agency;
            }
        }

        return d;
    }

    private static Regex BuildRegex(bool ignoreAcronymCase)
    {
        var names = Table.SelectMany(t => t.Names).OrderByDescending(n => n.Length)
            .Select(n => @"(?:U\.S\.\s+)?" + Regex.Escape(n).Replace(@"\ ", @"\s+", StringComparison.Ordinal));
        var acronyms = Table.SelectMany(t => t.Acronyms).OrderByDescending(a => a.Length).Select(Regex.Escape);
        var acronymPart = string.Join('|', acronyms);
        var pattern = $@"\b(?:(?i:{string.Join('|', names)})|{(ignoreAcronymCase ? $"(?i:{acronymPart})" : $"(?:{acronymPart})")})\b";
        return new Regex(pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant);
    }
}
