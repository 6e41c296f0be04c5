using System.Globalization;
using System.Text.RegularExpressions;

namespace Tally.Analysis;

/// <summary>
/// Finds time references in text: fiscal and calendar years, quarters, months, dates, "as of" stock dates,
/// ranges, "since", annual flows, recent/trailing windows, year-to-date partials and relative years.
/// Deterministic: relative phrases ("last year") are resolved against the reference date passed in, never
/// against the clock. Mentions never overlap; they are returned in text order.
/// </summary>
public static partial class PeriodParser
{
    /// <summary>Parses <paramref name="text"/>, resolving relative phrases against <paramref name="today"/>.</summary>
    public static IReadOnlyList<PeriodMention> Parse(string text, DateOnly today)
    {
        ArgumentNullException.ThrowIfNull(text);
        return ParseCore(text, today);
    }

    /// <summary>
    /// Parses <paramref name="text"/> without a reference date: relative phrases ("last year", "as of May 29")
    /// are still reported, with <see cref="PeriodMention.Relative"/> set and no dates.
    /// </summary>
    public static IReadOnlyList<PeriodMention> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return ParseCore(text, null);
    }

    internal static List<PeriodMention> ParseCore(string text, DateOnly? today)
    {
        var found = new List<PeriodMention>();
        if (text.Length == 0)
        {
            return found;
        }

        ParseYearToDate(text, today, found);
        ParseAtoms(text, today, found);
        ParseRecent(text, found);
        ParseTrailing(text, today, found);
        ParseRelative(text, today, found);
        ParseAnnual(text, found);
        found.Sort(static (a, b) => a.Span.Start.CompareTo(b.Span.Start));
        return found;
    }

    // ------------------------------------------------------------------ year to date

    private static void ParseYearToDate(string text, DateOnly? today, List<PeriodMention> found)
    {
        foreach (Match m in YearToDateRegex().Matches(text))
        {
            var span = new TextSpan(m.Index, m.Length);
            if (Overlaps(found, span))
            {
                continue;
            }

            int? months = m.Groups["n"].Success ? ParseSmallNumber(m.Groups["n"].Value) : null;
            var fiscal = m.Groups["fiscal"].Success || m.Groups["fy"].Success;
            if (!PlausibleYear(m.Groups["fy"]) || !PlausibleYear(m.Groups["y"]))
            {
                continue;
            }

            int? year = m.Groups["fy"].Success ? FullYear(m.Groups["fy"].Value)
                : m.Groups["y"].Success ? int.Parse(m.Groups["y"].Value, CultureInfo.InvariantCulture)
                : null;
            var relative = false;
            if (year is null && m.Groups["cur"].Success && today is { } t)
            {
                year = fiscal ? FiscalYear.Of(t).Year : t.Year;
                relative = true;
            }
            else if (year is null && m.Groups["todate"].Success && today is { } t2)
            {
                year = fiscal ? FiscalYear.Of(t2).Year : t2.Year;
                relative = true;
            }

            var prefix = fiscal ? "FY" : "CY";
            var yearText = year?.ToString(CultureInfo.InvariantCulture) ?? "?";
            DateOnly? from = null, to = null;
            if (year is int y)
            {
                from = fiscal ? new FiscalYear(y).Start : new DateOnly(y, 1, 1);
                if (months is int n)
                {
                    to = from.Value.AddMonths(n).AddDays(-1);
                }
                else if (today is { } t3 && relative)
                {
                    to = t3;
                    months = ((t3.Year * 12) + t3.Month) - ((from.Value.Year * 12) + from.Value.Month) + 1;
                }
            }

            var normalized = months is int k && !m.Groups["todate"].Success
                ? $"{prefix}{yearText}:first-{k}-months"
                : $"{prefix}{yearText}:to-date";
            var which = year is null ? $"an unspecified {(fiscal ? "fiscal" : "calendar")} year" : $"{prefix}{yearText}";
            var reason = months is int mm && !m.Groups["todate"].Success
                ? $"'{m.Value}' is a year-to-date partial period: the first {mm} months of {which}, not a full year"
                : $"'{m.Value}' is a year-to-date partial period of {which}, not a full year";
            found.Add(new PeriodMention
            {
                Kind = PeriodKind.YearToDate,
                Span = span,
                Text = m.Value,
                Normalized = normalized,
                Basis = fiscal ? PeriodBasis.Fiscal : PeriodBasis.Calendar,
                From = from,
                To = to,
                Months = months,
                Relative = relative,
                Reason = reason,
            });
        }
    }

    // ------------------------------------------------------------------ atoms: dates, months, quarters, years

    private enum AtomKind { Day, DayNoYear, Month, Quarter, FiscalYear, FiscalYearRange, CalendarYear, BareYear }

    private readonly record struct Atom(
        AtomKind Kind, TextSpan Span, DateOnly From, DateOnly To, int Year, int EndYear, int Quarter, int Month, int Day, PeriodBasis Basis);

    private static void ParseAtoms(string text, DateOnly? today, List<PeriodMention> found)
    {
        var atoms = new List<Atom>();
        foreach (Match m in AtomRegex().Matches(text))
        {
            var span = new TextSpan(m.Index, m.Length);
            if (!Overlaps(found, span) && TryBuildAtom(m, span) is Atom atom)
            {
                atoms.Add(atom);
            }
        }

        for (var i = 0; i < atoms.Count; i++)
        {
            var a = atoms[i];
            var pre = FindPrefix(text, a.Span.Start);

            if (i + 1 < atoms.Count && TryRange(text, a, atoms[i + 1], pre) is PeriodMention range)
            {
                found.Add(range);
                i++;
                continue;
            }

            if (Point(text, a, pre, today) is PeriodMention point)
            {
                found.Add(point);
            }
        }
    }

    private static Atom? TryBuildAtom(Match m, TextSpan span)
    {
        var g = m.Groups;
        if (!PlausibleYear(g["y"]) || !PlausibleYear(g["fy"]) || !PlausibleYear(g["fy2"]))
        {
            return null; // "FY0001", "CY9999": not a period (and out of DateOnly's range once quarters or months are added)
        }

        if (g["isoDate"].Success || g["numDate"].Success || g["mdy"].Success || g["dmy"].Success)
        {
            var year = FullYear(g["y"].Value);
            var month = g["mo"].Success ? int.Parse(g["mo"].Value, CultureInfo.InvariantCulture) : MonthNumber(g["mn"].Value);
            var day = int.Parse(g["d"].Value, CultureInfo.InvariantCulture);
            return TryDate(year, month, day) is DateOnly date
                ? new Atom(AtomKind.Day, span, date, date, year, year, 0, month, day, PeriodBasis.Unspecified)
                : null;
        }

        if (g["md"].Success)
        {
            var month = MonthNumber(g["mn"].Value);
            var day = int.Parse(g["d"].Value, CultureInfo.InvariantCulture);
            return day is >= 1 and <= 31 && TryDate(2000, month, day) is not null // 2000 is a leap year: Feb 29 allowed
                ? new Atom(AtomKind.DayNoYear, span, default, default, 0, 0, 0, month, day, PeriodBasis.Unspecified)
                : null;
        }

        if (g["qtr"].Success)
        {
            var q = g["q"].Success ? int.Parse(g["q"].Value, CultureInfo.InvariantCulture) : QuarterWord(g["qw"].Value);
            if (g["fy"].Success)
            {
                var fy = new FiscalYear(FullYear(g["fy"].Value));
                var (s, e) = fy.Quarter(q);
                return new Atom(AtomKind.Quarter, span, s, e, fy.Year, fy.Year, q, 0, 0, PeriodBasis.Fiscal);
            }

            var y = int.Parse(g["y"].Value, CultureInfo.InvariantCulture);
            var start = new DateOnly(y, (3 * (q - 1)) + 1, 1);
            return new Atom(AtomKind.Quarter, span, start, start.AddMonths(3).AddDays(-1), y, y, q, 0, 0, PeriodBasis.Calendar);
        }

        if (g["month"].Success)
        {
            var y = int.Parse(g["y"].Value, CultureInfo.InvariantCulture);
            var month = MonthNumber(g["mn"].Value);
            var start = new DateOnly(y, month, 1);
            return new Atom(AtomKind.Month, span, start, start.AddMonths(1).AddDays(-1), y, y, 0, month, 0, PeriodBasis.Unspecified);
        }

        if (g["fyr"].Success)
        {
            var fy = new FiscalYear(FullYear(g["fy"].Value));
            if (g["fy2"].Success)
            {
                var end = new FiscalYear(FullYear(g["fy2"].Value));
                return end.Year > fy.Year
                    ? new Atom(AtomKind.FiscalYearRange, span, fy.Start, end.End, fy.Year, end.Year, 0, 0, 0, PeriodBasis.Fiscal)
                    : null;
            }

            return new Atom(AtomKind.FiscalYear, span, fy.Start, fy.End, fy.Year, fy.Year, 0, 0, 0, PeriodBasis.Fiscal);
        }

        if (g["cyr"].Success || g["year"].Success)
        {
            var y = FullYear(g["y"].Value);
            return new Atom(g["cyr"].Success ? AtomKind.CalendarYear : AtomKind.BareYear, span,
                new DateOnly(y, 1, 1), new DateOnly(y, 12, 31), y, y, 0, 0, 0, PeriodBasis.Calendar);
        }

        return null;
    }

    private enum PrefixKind { None, InLike, From, Between, Since, AsOf, AsOfEnd }

    private readonly record struct Prefix(PrefixKind Kind, int Start);

    private static Prefix FindPrefix(string text, int atomStart)
    {
        var windowStart = Math.Max(0, atomStart - 40);
        var window = text[windowStart..atomStart];
        var m = PrefixRegex().Match(window);
        if (!m.Success)
        {
            return new Prefix(PrefixKind.None, atomStart);
        }

        var word = m.Groups["w"].Value.ToLowerInvariant();
        var kind = word switch
        {
            "since" => PrefixKind.Since,
            "from" => PrefixKind.From,
            "between" => PrefixKind.Between,
            _ when word.StartsWith("as", StringComparison.Ordinal) => m.Groups["end"].Success ? PrefixKind.AsOfEnd : PrefixKind.AsOf,
            _ => PrefixKind.InLike,
        };
        return new Prefix(kind, windowStart + m.Index);
    }

    private static PeriodMention? TryRange(string text, Atom a, Atom b, Prefix pre)
    {
        if (a.Kind is AtomKind.FiscalYearRange or AtomKind.DayNoYear || b.Kind is AtomKind.FiscalYearRange or AtomKind.DayNoYear)
        {
            return null;
        }

        var gap = text.AsSpan(a.Span.End, b.Span.Start - a.Span.End);
        var gm = RangeGapRegex().Match(gap.ToString());
        if (!gm.Success || (gm.Groups["and"].Success && pre.Kind != PrefixKind.Between))
        {
            return null;
        }

        var yearish = static (AtomKind k) => k is AtomKind.FiscalYear or AtomKind.CalendarYear or AtomKind.BareYear;
        var compatible = (yearish(a.Kind) && yearish(b.Kind)) || (a.Kind == b.Kind && a.Kind is AtomKind.Month or AtomKind.Day or AtomKind.Quarter);
        if (!compatible)
        {
            return null;
        }

        PeriodBasis basis;
        bool ambiguous = false;
        if (yearish(a.Kind))
        {
            basis = a.Kind == AtomKind.FiscalYear || b.Kind == AtomKind.FiscalYear ? PeriodBasis.Fiscal : PeriodBasis.Calendar;
            ambiguous = a.Kind == AtomKind.BareYear && b.Kind == AtomKind.BareYear;
        }
        else
        {
            basis = a.Kind == AtomKind.Quarter ? a.Basis : PeriodBasis.Unspecified;
            if (a.Kind == AtomKind.Quarter && a.Basis != b.Basis)
            {
                return null;
            }
        }

        DateOnly from = a.From, to = b.To;
        if (yearish(a.Kind) && basis == PeriodBasis.Fiscal)
        {
            from = new FiscalYear(a.Year).Start;
            to = new FiscalYear(b.Year).End;
        }

        if (to < from)
        {
            return null;
        }

        var start = pre.Kind is PrefixKind.From or PrefixKind.Between or PrefixKind.InLike or PrefixKind.Since ? pre.Start : a.Span.Start;
        var span = new TextSpan(start, b.Span.End - start);
        var (label1, label2) = (Label(a, basis), Label(b, basis));
        var normalized = $"{label1}..{label2}";
        var reason = $"'{span.Slice(text)}' is a closed range {label1} to {label2} ({Iso(from)} to {Iso(to)})";
        if (ambiguous)
        {
            reason += "; plain years are read as calendar years, but newsroom usage often means fiscal years: basis ambiguous";
        }

        return new PeriodMention
        {
            Kind = PeriodKind.Range,
            Span = span,
            Text = span.Slice(text),
            Normalized = normalized,
            Basis = basis,
            BasisAmbiguous = ambiguous,
            From = from,
            To = to,
            Reason = reason,
        };
    }

    private static PeriodMention? Point(string text, Atom a, Prefix pre, DateOnly? today)
    {
        if (pre.Kind == PrefixKind.Since && a.Kind != AtomKind.DayNoYear)
        {
            var span = new TextSpan(pre.Start, a.Span.End - pre.Start);
            var label = a.Kind == AtomKind.FiscalYearRange ? $"FY{a.Year}" : Label(a, a.Basis);
            var ambiguous = a.Kind == AtomKind.BareYear;
            return new PeriodMention
            {
                Kind = PeriodKind.Since,
                Span = span,
                Text = span.Slice(text),
                Normalized = label + "..",
                Basis = a.Basis,
                BasisAmbiguous = ambiguous,
                From = a.From,
                Reason = $"'{span.Slice(text)}' is an open range starting {label} ({Iso(a.From)})" +
                         (ambiguous ? "; a plain year is read as a calendar year, but may mean the fiscal year: basis ambiguous" : string.Empty),
            };
        }

        if (pre.Kind is PrefixKind.AsOf or PrefixKind.AsOfEnd)
        {
            var span = new TextSpan(pre.Start, a.Span.End - pre.Start);
            DateOnly? date = null;
            var relative = false;
            string note;
            switch (a.Kind)
            {
                case AtomKind.Day:
                    date = a.From;
                    note = string.Empty;
                    break;
                case AtomKind.DayNoYear when today is { } t:
                    var candidate = TryDate(t.Year, a.Month, a.Day) ?? new DateOnly(t.Year, a.Month, 28);
                    date = candidate <= t ? candidate : (TryDate(t.Year - 1, a.Month, a.Day) ?? new DateOnly(t.Year - 1, a.Month, 28));
                    relative = true;
                    note = $"; no year given, so the most recent {MonthName(a.Month)} {a.Day} on or before the reference date {Iso(t)}";
                    break;
                case AtomKind.DayNoYear:
                    relative = true;
                    note = "; no year given and no reference date, so the year is unknown";
                    break;
                default:
                    date = a.To;
                    note = pre.Kind == PrefixKind.AsOfEnd ? string.Empty : "; the last day of the period named is assumed";
                    break;
            }

            var normalized = date is DateOnly d
                ? "asof:" + Iso(d)
                : string.Create(CultureInfo.InvariantCulture, $"asof:--{a.Month:00}-{a.Day:00}");
            return new PeriodMention
            {
                Kind = PeriodKind.AsOfDate,
                Span = span,
                Text = span.Slice(text),
                Normalized = normalized,
                Basis = PeriodBasis.Unspecified,
                From = date,
                To = date,
                Relative = relative,
                Reason = $"'{span.Slice(text)}' is a point in time ({normalized[5..]}): figures on it are stocks, not flows over a period{note}",
            };
        }

        if (a.Kind == AtomKind.DayNoYear)
        {
            return null; // "May 29" on its own is too weak a signal ("may" is also a verb)
        }

        var start = pre.Kind == PrefixKind.InLike ? pre.Start : a.Span.Start;
        var s = new TextSpan(start, a.Span.End - start);
        var t2 = s.Slice(text);
        return a.Kind switch
        {
            AtomKind.Day => Mention(PeriodKind.Day, s, t2, Iso(a.From), a, $"'{t2}' is a single date ({Iso(a.From)})"),
            AtomKind.Month => Mention(PeriodKind.Month, s, t2, Label(a, a.Basis), a, $"'{t2}' is the calendar month {Label(a, a.Basis)}"),
            AtomKind.Quarter => Mention(PeriodKind.Quarter, s, t2, Label(a, a.Basis), a,
                $"'{t2}' is {(a.Basis == PeriodBasis.Fiscal ? "fiscal" : "calendar")} quarter {Label(a, a.Basis)} ({Iso(a.From)} to {Iso(a.To)})"),
            AtomKind.FiscalYear => Mention(PeriodKind.FiscalYear, s, t2, Label(a, a.Basis), a,
                $"'{t2}' names US federal fiscal year {a.Year} ({Iso(a.From)} to {Iso(a.To)})"),
            AtomKind.FiscalYearRange => Mention(PeriodKind.Range, s, t2, $"FY{a.Year}..FY{a.EndYear}", a,
                $"'{t2}' is a closed range of fiscal years FY{a.Year} to FY{a.EndYear} ({Iso(a.From)} to {Iso(a.To)})"),
            AtomKind.CalendarYear => Mention(PeriodKind.CalendarYear, s, t2, Label(a, a.Basis), a,
                $"'{t2}' names calendar year {a.Year} explicitly"),
            _ => Mention(PeriodKind.CalendarYear, s, t2, Label(a, a.Basis), a,
                $"'{t2}' is a plain year: read as calendar year {a.Year}, but newsroom usage often means FY{a.Year} " +
                $"({Iso(new FiscalYear(a.Year).Start)} to {Iso(new FiscalYear(a.Year).End)}): basis ambiguous") with { BasisAmbiguous = true },
        };
    }

    private static PeriodMention Mention(PeriodKind kind, TextSpan span, string text, string normalized, Atom a, string reason) => new()
    {
        Kind = kind,
        Span = span,
        Text = text,
        Normalized = normalized,
        Basis = a.Basis,
        From = a.From,
        To = a.To,
        Reason = reason,
    };

    private static string Label(Atom a, PeriodBasis basis) => a.Kind switch
    {
        AtomKind.Day => Iso(a.From),
        AtomKind.Month => string.Create(CultureInfo.InvariantCulture, $"{a.Year:0000}-{a.Month:00}"),
        AtomKind.Quarter => string.Create(CultureInfo.InvariantCulture, $"{(a.Basis == PeriodBasis.Fiscal ? "FY" : "CY")}{a.Year}-Q{a.Quarter}"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{(basis == PeriodBasis.Fiscal ? "FY" : "CY")}{a.Year}"),
    };

    // ------------------------------------------------------------------ phrases without digits

    private static void ParseRecent(string text, List<PeriodMention> found)
    {
        foreach (Match m in RecentRegex().Matches(text))
        {
            var span = new TextSpan(m.Index, m.Length);
            if (!Overlaps(found, span))
            {
                found.Add(new PeriodMention
                {
                    Kind = PeriodKind.Recent,
                    Span = span,
                    Text = m.Value,
                    Normalized = "recent",
                    Reason = $"'{m.Value}' refers to recent, unspecified years: the question needs a specific period to be answered exactly",
                });
            }
        }
    }

    private static void ParseTrailing(string text, DateOnly? today, List<PeriodMention> found)
    {
        foreach (Match m in TrailingRegex().Matches(text))
        {
            var span = new TextSpan(m.Index, m.Length);
            if (Overlaps(found, span))
            {
                continue;
            }

            var unit = m.Groups["u"].Value.ToLowerInvariant();
            var n = m.Groups["n"].Success ? ParseSmallNumber(m.Groups["n"].Value) : 1;
            var months = unit.StartsWith("decade", StringComparison.Ordinal) ? 120 * n
                : unit.StartsWith("year", StringComparison.Ordinal) ? 12 * n
                : n;
            DateOnly? from = null, to = null;
            if (today is { } t)
            {
                to = t;
                from = t.AddMonths(-months).AddDays(1);
            }

            found.Add(new PeriodMention
            {
                Kind = PeriodKind.Trailing,
                Span = span,
                Text = m.Value,
                Normalized = string.Create(CultureInfo.InvariantCulture, $"trailing:{months}m"),
                Months = months,
                From = from,
                To = to,
                Relative = true,
                Reason = from is DateOnly f
                    ? $"'{m.Value}' is a trailing window of {months} months ending on the reference date ({Iso(f)} to {Iso(to!.Value)}), not a fiscal or calendar year"
                    : $"'{m.Value}' is a trailing window of {months} months; no reference date was given to place it",
            });
        }
    }

    private static void ParseRelative(string text, DateOnly? today, List<PeriodMention> found)
    {
        foreach (Match m in RelativeRegex().Matches(text))
        {
            var span = new TextSpan(m.Index, m.Length);
            if (Overlaps(found, span))
            {
                continue;
            }

            var which = m.Groups["w"].Value.ToLowerInvariant();
            var offset = which.Contains("next", StringComparison.Ordinal) || which.Contains("coming", StringComparison.Ordinal) ? 1
                : which.Contains("last", StringComparison.Ordinal) || which.Contains("previous", StringComparison.Ordinal) || which.Contains("prior", StringComparison.Ordinal) ? -1
                : 0;
            var fiscal = m.Groups["fiscal"].Success;
            var unit = m.Groups["u"].Value.ToLowerInvariant();
            var key = $"{(offset < 0 ? "last" : offset > 0 ? "next" : "this")}-{(fiscal ? "fiscal-" : string.Empty)}{unit}";
            if (today is not { } t)
            {
                found.Add(new PeriodMention
                {
                    Kind = unit == "month" ? PeriodKind.Month : unit == "quarter" ? PeriodKind.Quarter : fiscal ? PeriodKind.FiscalYear : PeriodKind.CalendarYear,
                    Span = span,
                    Text = m.Value,
                    Normalized = "relative:" + key,
                    Basis = fiscal ? PeriodBasis.Fiscal : unit == "month" ? PeriodBasis.Unspecified : PeriodBasis.Calendar,
                    BasisAmbiguous = !fiscal && unit == "year",
                    Relative = true,
                    Reason = $"'{m.Value}' is relative; no reference date was given to resolve it",
                });
                continue;
            }

            PeriodMention mention;
            if (unit == "month")
            {
                var first = new DateOnly(t.Year, t.Month, 1).AddMonths(offset);
                var label = string.Create(CultureInfo.InvariantCulture, $"{first.Year:0000}-{first.Month:00}");
                mention = new PeriodMention
                {
                    Kind = PeriodKind.Month, Span = span, Text = m.Value, Normalized = label, From = first, To = first.AddMonths(1).AddDays(-1),
                    Reason = $"'{m.Value}' relative to {Iso(t)} is {label}",
                };
            }
            else if (unit == "quarter")
            {
                DateOnly qs;
                string label;
                if (fiscal)
                {
                    var fq = FiscalYear.QuarterOf(t);
                    var fyStart = FiscalYear.Of(t).Start;
                    qs = fyStart.AddMonths(3 * (fq - 1)).AddMonths(3 * offset);
                    var fy = FiscalYear.Of(qs);
                    label = $"FY{fy.Year}-Q{FiscalYear.QuarterOf(qs)}";
                }
                else
                {
                    qs = new DateOnly(t.Year, (((t.Month - 1) / 3) * 3) + 1, 1).AddMonths(3 * offset);
                    label = $"CY{qs.Year}-Q{((qs.Month - 1) / 3) + 1}";
                }

                mention = new PeriodMention
                {
                    Kind = PeriodKind.Quarter, Span = span, Text = m.Value, Normalized = label,
                    Basis = fiscal ? PeriodBasis.Fiscal : PeriodBasis.Calendar, From = qs, To = qs.AddMonths(3).AddDays(-1),
                    Reason = $"'{m.Value}' relative to {Iso(t)} is {label}",
                };
            }
            else if (fiscal)
            {
                var fy = new FiscalYear(FiscalYear.Of(t).Year + offset);
                mention = new PeriodMention
                {
                    Kind = PeriodKind.FiscalYear, Span = span, Text = m.Value, Normalized = fy.ToString(), Basis = PeriodBasis.Fiscal,
                    From = fy.Start, To = fy.End,
                    Reason = $"'{m.Value}' relative to {Iso(t)} is {fy} ({Iso(fy.Start)} to {Iso(fy.End)})",
                };
            }
            else
            {
                var y = t.Year + offset;
                mention = new PeriodMention
                {
                    Kind = PeriodKind.CalendarYear, Span = span, Text = m.Value, Normalized = string.Create(CultureInfo.InvariantCulture, $"CY{y}"),
                    Basis = PeriodBasis.Calendar, BasisAmbiguous = true, From = new DateOnly(y, 1, 1), To = new DateOnly(y, 12, 31),
                    Reason = $"'{m.Value}' relative to {Iso(t)} is calendar year {y}; newsroom usage may mean FY{y}: basis ambiguous",
                };
            }

            found.Add(mention with { Relative = true });
        }
    }

    private static void ParseAnnual(string text, List<PeriodMention> found)
    {
        foreach (Match m in AnnualRegex().Matches(text))
        {
            var span = new TextSpan(m.Index, m.Length);
            if (Overlaps(found, span))
            {
                continue;
            }

            var fiscal = m.Groups["fiscal"].Success;
            found.Add(new PeriodMention
            {
                Kind = PeriodKind.Annual,
                Span = span,
                Text = m.Value,
                Normalized = "annual",
                Basis = fiscal ? PeriodBasis.Fiscal : PeriodBasis.Unspecified,
                Reason = $"'{m.Value}' asks for a flow per year without naming a year: use the latest complete {(fiscal ? "fiscal " : string.Empty)}year and say which",
            });
        }
    }

    // ------------------------------------------------------------------ helpers

    private static bool Overlaps(List<PeriodMention> found, TextSpan span)
    {
        foreach (var f in found)
        {
            if (f.Span.Overlaps(span))
            {
                return true;
            }
        }

        return false;
    }

    internal static string Iso(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>Two-digit years use a fixed window (00–69 → 2000s, 70–99 → 1900s) so parsing never depends on the clock.</summary>
    private static int FullYear(string digits)
    {
        var v = int.Parse(digits, CultureInfo.InvariantCulture);
        return digits.Length > 2 ? v : v < 70 ? 2000 + v : 1900 + v;
    }

    /// <summary>Years a period can be in: 1000–9000 (absent groups pass). Others are not read as periods at all.</summary>
    private static bool PlausibleYear(Group year) => !year.Success || FullYear(year.Value) is >= 1000 and <= 9000;

    private static DateOnly? TryDate(int year, int month, int day) =>
        month is >= 1 and <= 12 && year is >= 1 and <= 9999 && day >= 1 && day <= DateTime.DaysInMonth(year, month)
            ? new DateOnly(year, month, day)
            : null;

    private static readonly string[] MonthNames =
        ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

    private static string MonthName(int month) => MonthNames[month - 1];

    private static int MonthNumber(string name)
    {
        var prefix = name.AsSpan(0, 3);
        for (var i = 0; i < MonthNames.Length; i++)
        {
            if (MonthNames[i].AsSpan(0, 3).Equals(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return i + 1;
            }
        }

        throw new FormatException($"Unknown month name '{name}'.");
    }

    private static int QuarterWord(string word) => char.ToLowerInvariant(word[0]) switch
    {
        'f' when word.Length > 1 && char.ToLowerInvariant(word[1]) == 'i' => 1, // first
        'f' => 4, // fourth
        's' => 2,
        't' => 3,
        _ => word[0] - '0',
    };

    internal static int ParseSmallNumber(string s) => s.ToLowerInvariant() switch
    {
        "one" => 1, "two" => 2, "three" => 3, "four" => 4, "five" => 5, "six" => 6, "seven" => 7, "eight" => 8,
        "nine" => 9, "ten" => 10, "eleven" => 11, "twelve" => 12,
        var d => int.Parse(d, CultureInfo.InvariantCulture),
    };

    // ------------------------------------------------------------------ grammar
    // Digits are [0-9], never \d: \d also matches other scripts' digits (fullwidth, Arabic-Indic), which
    // int.Parse with the invariant culture refuses.

    private const string Month =
        @"(?<mn>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)(?![a-z])";

    private const string SmallNumber = @"[0-9]{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve";

    [GeneratedRegex(
        @"(?<![\w$.,])(?:" +
        @"(?<isoDate>)(?<y>[0-9]{4})-(?<mo>[0-9]{2})-(?<d>[0-9]{2})(?![\w-])" +
        @"|(?<numDate>)(?<mo>[0-9]{1,2})/(?<d>[0-9]{1,2})/(?<y>[0-9]{4}|[0-9]{2})(?![\w/])" +
        @"|(?<mdy>)" + Month + @"\.?\s+(?<d>[0-9]{1,2})(?:st|nd|rd|th)?,?\s+(?<y>[0-9]{4})(?![\w%])" +
        @"|(?<dmy>)(?<d>[0-9]{1,2})\s+" + Month + @"\.?,?\s+(?<y>[0-9]{4})(?![\w%])" +
        @"|(?<md>)" + Month + @"\.?\s+(?<d>[0-9]{1,2})(?:st|nd|rd|th)?(?![\w,.][0-9]|[0-9]|%)" +
        @"|(?<qtr>)Q(?<q>[1-4])\s*(?:of\s+)?(?:FY\s?['’]?(?<fy>[0-9]{4}|[0-9]{2})|fiscal\s+(?:year\s+)?(?<fy>[0-9]{4})|(?:CY\s?|calendar\s+(?:year\s+)?)?(?<y>[0-9]{4}))(?![\w%])" +
        @"|(?<qtr>)(?:FY\s?['’]?(?<fy>[0-9]{4}|[0-9]{2})|(?<y>[0-9]{4}))\s?[-/]?\s?Q(?<q>[1-4])(?!\w)" +
        @"|(?<qtr>)(?<qw>first|second|third|fourth|1st|2nd|3rd|4th)\s+(?:fiscal\s+)?quarter\s+of\s+(?:the\s+)?(?:FY\s?['’]?(?<fy>[0-9]{4}|[0-9]{2})|fiscal\s+(?:year\s+)?(?<fy>[0-9]{4})|(?:calendar\s+(?:year\s+)?|CY\s?)?(?<y>[0-9]{4}))(?![\w%])" +
        @"|(?<month>)" + Month + @"\.?,?\s+(?:of\s+)?(?<y>[0-9]{4})(?![\w%])" +
        @"|(?<fyr>)(?:FY|F\.Y\.)\s?['’-]?\s?(?<fy>[0-9]{4}|[0-9]{2})(?:\s?[-–—]\s?(?:FY\s?)?(?<fy2>[0-9]{4}|[0-9]{2}))?(?![\w%]|[.,][0-9])" +
        @"|(?<fyr>)fiscal\s+(?:years?\s*)?(?:\(FY\)\s*)?(?<fy>[0-9]{4})(?![\w%]|[.,][0-9])" +
        @"|(?<cyr>)(?:CY\s?(?<y>[0-9]{4}|[0-9]{2})|calendar\s+(?:years?\s+)?(?<y>[0-9]{4}))(?![\w%]|[.,][0-9])" +
        @"|(?<year>)(?<y>1[89][0-9]{2}|20[0-9]{2}|2100)(?![\w%]|[.,][0-9]|\s?(?:percent|per\s+cent|thousand|million|billion)\b)" +
        ")",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AtomRegex();

    [GeneratedRegex(
        @"\b(?<w>as\s+of|since|from|between|in|during|for|throughout|over)\s+(?:(?<end>the\s+end\s+of|end\s+of)\s+)?(?:the\s+)?(?:(?:US|U\.S\.|federal)\s+)?$",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PrefixRegex();

    [GeneratedRegex(@"^\s*(?:[-–—‒]|-{2}|(?:to|through|thru|until|till)|(?<and>and))\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex RangeGapRegex();

    [GeneratedRegex(
        @"(?:\b(?:in|during|over)\s+)?(?:\bthe\s+)?\bfirst\s+(?<n>" + SmallNumber + @")\s+months\s+of\s+(?:" +
        @"(?:the\s+)?(?:(?<cur>current|this|present)\s+|(?:then[-\s]current|same|that)\s+)?(?<fiscal>fiscal)\s+year(?:\s*(?:\(FY\)\s*)?(?<fy>[0-9]{4}))?" +
        @"|FY\s?['’]?(?<fy>[0-9]{4}|[0-9]{2})" +
        @"|(?:(?:the\s+)?calendar\s+year\s+)?(?<y>[0-9]{4})" +
        @"|(?:the\s+)?(?:(?<cur>current|this)\s+)?(?:calendar\s+)?year)(?![\w%])" +
        @"|\b(?<todate>)(?:(?:FY\s?['’]?(?<fy>[0-9]{4}|[0-9]{2})|fiscal\s+year\s+(?<fy>[0-9]{4}))\s+(?:year[-\s]to[-\s]date|YTD)" +
        @"|(?<fiscal>fiscal)[-\s]year[-\s]to[-\s]date(?:\s+(?:FY\s?['’]?(?<fy>[0-9]{4}|[0-9]{2})|(?<fy>[0-9]{4})))?" +
        @"|(?<fiscal>FY)TD(?:\s+(?:FY\s?['’]?(?<fy>[0-9]{4}|[0-9]{2})|(?<fy>[0-9]{4})))?" +
        @"|(?:calendar[-\s])?year[-\s]to[-\s]date|YTD)\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex YearToDateRegex();

    [GeneratedRegex(
        @"(?:\b(?:in|over|during)\s+)?(?:\bthe\s+)?\b(?:recent\s+(?:fiscal\s+)?(?:years|months|times)|(?:past|last|previous)\s+(?:few|several|couple(?:\s+of)?)\s+(?:fiscal\s+)?(?:years|months))\b" +
        @"|\blately\b|\brecently\b|\bof\s+late\b|\bnowadays\b|\bthese\s+days\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex RecentRegex();

    [GeneratedRegex(
        @"(?:\b(?:in|over|during|for)\s+)?\bthe\s+(?:past|last|previous|preceding|prior)\s+(?:(?<n>" + SmallNumber + @")\s+)?(?<u>years?|months?|decades?)\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex TrailingRegex();

    [GeneratedRegex(
        @"(?:\b(?:in|during|for)\s+)?\b(?<w>last|this|next|previous|prior|current|the\s+current|the\s+previous|the\s+prior|the\s+coming)\s+(?<fiscal>fiscal\s+)?(?<u>year|month|quarter)\b(?![-\s]to[-\s]date)",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex RelativeRegex();

    [GeneratedRegex(
        @"\b(?:annually|yearly|per\s+annum|(?:each|every|per)\s+(?<fiscal>fiscal\s+)?year|on\s+an?\s+(?:annual|yearly)\s+basis" +
        @"|(?<!\b(?:half|in|within|for|than|over|about|nearly|almost|after|before|take|takes|took|taking|spend|spent|twice|thrice|of)\s)" +
        @"a\s+(?<fiscal>fiscal\s+)?year(?![-‐]|\s+(?:ago|earlier|later|before|after|or|and|from|of|in|since|to|when|that|long|old)\b))\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AnnualRegex();
}
