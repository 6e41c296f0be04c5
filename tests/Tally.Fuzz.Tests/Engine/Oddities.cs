using System.Text;

namespace Tally.Fuzz.Tests.Engine;

/// <summary>Values that break parsers more often than random bytes do.</summary>
internal static class Oddities
{
    /// <summary>Numbers at the edges of every integer and floating-point type, and numbers people write oddly.</summary>
    public static readonly string[] BoundaryNumbers =
    [
        "0", "-0", "+0", "00", "-1", "1", "007", "127", "128", "255", "256", "-129", "32767", "32768", "65535", "65536",
        "2147483647", "2147483648", "-2147483648", "-2147483649", "4294967295", "4294967296",
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
        "18446744073709551615", "18446744073709551616", "99999999", "100000000", "999999999999999999999999999999",
        "1e308", "1e309", "-1e309", "1.7976931348623157E+308", "4.9E-324", "1e-400", "NaN", "Infinity", "-Infinity", "∞",
        "0x7fffffff", "0b101", "1_000", "1,000,000,000,000,000,000", "1.000.000", "12,5", "1e", "1e+", ".5", "5.", "-.", "--1",
        "0000", "0001", "1899", "1900", "1969", "1970", "1999", "2000", "2038", "2100", "9999", "10000", "99999", "-2024",
        "00", "13", "29", "30", "31", "32", "60", "61", "366", "367",
    ];

    /// <summary>Text that is valid but unusual, and bytes that are not valid UTF-8 at all.</summary>
    public static readonly byte[][] Unicode =
    [
        [0xEF, 0xBB, 0xBF],                 // byte-order mark, mid-text
        [0xE2, 0x80, 0x8B],                 // zero-width space
        [0xE2, 0x80, 0x8D],                 // zero-width joiner
        [0xE2, 0x80, 0xAE],                 // right-to-left override
        [0xC2, 0xA0],                       // no-break space
        [0xE2, 0x80, 0xAF],                 // narrow no-break space
        [0xE2, 0x80, 0xA8],                 // line separator
        [0xE2, 0x80, 0xA9],                 // paragraph separator
        [0xC2, 0x85],                       // next line (C1 control)
        [0xCC, 0x81],                       // combining acute accent
        [0xEF, 0xBF, 0xBD],                 // replacement character
        [0xEF, 0xBF, 0xBF],                 // non-character U+FFFF
        [0xF4, 0x8F, 0xBF, 0xBF],           // U+10FFFF
        [0xF0, 0x9F, 0x98, 0x80],           // emoji (a surrogate pair in UTF-16)
        [0xF0, 0x9F, 0x91, 0xA8, 0xE2, 0x80, 0x8D, 0xF0, 0x9F, 0x91, 0xA9], // emoji ZWJ sequence
        [0xED, 0xA0, 0x80],                 // a lone surrogate (invalid UTF-8)
        [0xC0, 0xAF],                       // overlong '/' (invalid)
        [0xE2, 0x82],                       // truncated sequence (invalid)
        [0xFF, 0xFE],                       // UTF-16 LE byte-order mark
        [0xFE, 0xFF],                       // UTF-16 BE byte-order mark
        [0xF8, 0x88, 0x80, 0x80, 0x80],     // five-byte form (invalid)
        [0xF4, 0x90, 0x80, 0x80],           // beyond U+10FFFF (invalid)
        [0xEF, 0xBC, 0x92, 0xEF, 0xBC, 0x90, 0xEF, 0xBC, 0x92, 0xEF, 0xBC, 0x94], // fullwidth "2024"
        [0xD9, 0xA2, 0xD9, 0xA0, 0xD9, 0xA2, 0xD9, 0xA4], // Arabic-Indic "2024"
        [0xE0, 0xA5, 0xA8, 0xE0, 0xA5, 0xA6],             // Devanagari digits
        [0xE2, 0x80, 0x93],                 // en dash
        [0xE2, 0x80, 0x94],                 // em dash
        [0xE2, 0x88, 0x92],                 // minus sign
        [0xE2, 0x80, 0x9C, 0xE2, 0x80, 0x9D], // curly double quotes
        [0xE2, 0x80, 0x99],                 // curly apostrophe
        [0xE2, 0x84, 0xAA],                 // Kelvin sign (folds to 'k')
        [0xC4, 0xB1],                       // dotless i
        [0xC3, 0x9F],                       // sharp s (uppercases to "SS")
        [0xEF, 0xAC, 0x80],                 // "ff" ligature
        [0xE2, 0x85, 0xA0],                 // Roman numeral one
        [0xC2, 0xBD],                       // one half
        [0xE2, 0x81, 0xB0],                 // superscript zero
        [0x00],                             // NUL
        [0x7F],                             // DEL
        [0x1B, 0x5B, 0x33, 0x31, 0x6D],     // ANSI escape
        [0x0D],                             // lone CR
        [0x0D, 0x0A],                       // CRLF
        [0x09],                             // TAB
        [0x0C],                             // form feed
    ];

    /// <summary>Bytes worth setting on their own.</summary>
    public static readonly byte[] InterestingBytes =
        [0x00, 0x01, 0x7F, 0x80, 0xFF, 0xFE, 0xC0, 0x20, 0x0A, 0x0D, 0x09, (byte)'"', (byte)'\'', (byte)',', (byte)';', (byte)':',
         (byte)'-', (byte)'<', (byte)'>', (byte)'&', (byte)'[', (byte)']', (byte)'{', (byte)'}', (byte)'#', (byte)'%', (byte)'\\', (byte)'|', (byte)'*'];

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    public static byte[][] Utf8(params string[] texts) => texts.Select(Utf8).ToArray();
}
