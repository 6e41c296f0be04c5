using System.Globalization;
using System.Text;
using Tally.Datasets.Writing;

namespace Tally.Datasets.Generation;

/// <summary>
/// Deterministic generator of realistic record-level ICE-style detention stays, for benchmarks and tests only.
/// Fields follow ICE's detention FOIA tables as documented in the Deportation Data Project codebook
/// (stay book-in/out date-times, stay release reason, book-in criminality, facility, program, citizenship ...);
/// release reasons and their rough frequencies follow the values seen in ICE detention records. The same seed
/// and row count always produce the same bytes.
/// </summary>
public sealed class DetentionStayGenerator
{
    /// <summary>Column headers of the generated CSV, in order.</summary>
    public static readonly string[] Columns =
    [
        "stay_id", "unique_identifier", "stay_book_in_date_time", "stay_book_out_date_time", "stay_book_out_date", "stay_release_reason",
        "book_in_criminality", "final_program", "detention_facility_code", "facility_state", "gender", "birth_year",
        "citizenship_country", "case_threat_level", "data_pull_date",
    ];

    // Release reasons as they appear in ICE detention records, weighted roughly by how often they end a stay
    // (stint-level "Transferred" appears on about 1 % of stays as a data error).
    private static readonly (string Value, int Weight)[] ReleaseReasons =
    [
        ("Removed", 193947), ("Paroled", 41920), ("Order of recognizance", 23834), ("Paroled - Fear Found", 20799),
        ("Bonded Out - IJ", 9856), ("Paroled - Humanitarian", 9454), ("U.S. Marshals or other agency (explain in Detention Comments)", 8549),
        ("Order of supervision", 5980), ("Processing Disposition Changed Locally", 5203), ("Order of Recognizance - Humanitarian", 3640),
        ("Transferred", 3866), ("Bonded Out - Field Office", 2618), ("Order of Supervision - No SLRRFF", 2015), ("Relief Granted by IJ", 1565),
        ("Proceedings Terminated", 1333), ("Voluntary departure", 1093), ("Paroled - Public Benefit", 928), ("Order of Supervision - Humanitarian", 876),
        ("Voluntary Return", 330), ("Order of Supervision - Re-Release", 151), ("Withdrawal", 102), ("Died", 17), ("Escaped", 11),
    ];

    private static readonly (string Value, int Weight)[] Criminality =
        [("1 Convicted Criminal", 33), ("2 Pending Criminal Charges", 14), ("3 Other Immigration Violator", 53)];

    private static readonly (string Value, int Weight)[] Programs =
    [
        ("Border Patrol", 38), ("ERO Criminal Alien Program", 24), ("Fugitive Operations", 9), ("Non-Detained Docket Control", 8),
        ("287(g) Program", 6), ("Detained Docket Control", 5), ("Alternatives to Detention", 3), ("Office of Field Operations", 4), ("Law Enforcement Area Response Units", 3),
    ];

    private static readonly (string Value, int Weight)[] Countries =
    [
        ("MEXICO", 30), ("GUATEMALA", 14), ("HONDURAS", 12), ("EL SALVADOR", 6), ("VENEZUELA", 6), ("COLOMBIA", 5), ("ECUADOR", 5),
        ("CUBA", 4), ("NICARAGUA", 4), ("HAITI", 3), ("INDIA", 3), ("BRAZIL", 2), ("DOMINICAN REPUBLIC", 2), ("PERU", 2), ("CHINA, PEOPLES REPUBLIC OF", 2),
    ];

    private static readonly string[] States = ["TX", "LA", "CA", "AZ", "GA", "NM", "FL", "NJ", "PA", "MS", "NY", "WA", "CO", "VA", "OH", "MI", "AL"];

    private readonly Random _random;
    private readonly DateTime _from;
    private readonly int _days;
    private readonly DateOnly _pull;
    private readonly string[] _facilities;
    private readonly int _people;

    /// <param name="seed">RNG seed: equal seeds give equal files.</param>
    /// <param name="from">First book-in date.</param>
    /// <param name="to">Last book-in date.</param>
    /// <param name="pullDate">Data-pull date written to every row (stays not ended by then have no book-out).</param>
    /// <param name="rowsHint">Expected row count, to size the pool of people (about 1.3 stays per person).</param>
    public DetentionStayGenerator(int seed, DateOnly from, DateOnly to, DateOnly pullDate, long rowsHint)
    {
        _random = new Random(seed);
        _from = from.ToDateTime(TimeOnly.MinValue);
        _days = to.DayNumber - from.DayNumber + 1;
        _pull = pullDate;
        _facilities = [.. Enumerable.Range(0, 180).Select(i => Code(i))];
        _people = (int)Math.Max(1, Math.Min(int.MaxValue, rowsHint / 1.3));
    }

    private static string Code(int i)
    {
        var sb = new StringBuilder();
        var r = new Random(i * 7919 + 17);
        for (var k = 0; k < 7; k++)
        {
            sb.Append((char)('A' + r.Next(26)));
        }

        return sb.ToString();
    }

    private static string Pick((string Value, int Weight)[] values, Random random)
    {
        var total = 0;
        foreach (var v in values)
        {
            total += v.Weight;
        }

        var x = random.Next(total);
        foreach (var v in values)
        {
            x -= v.Weight;
            if (x < 0)
            {
                return v.Value;
            }
        }

        return values[^1].Value;
    }

    /// <summary>Writes a header and <paramref name="rows"/> stays as CSV (RFC 4180, LF line ends, UTF-8).</summary>
    public async Task WriteCsvAsync(TextWriter writer, long rows, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(writer);
        await writer.WriteAsync(string.Join(',', Columns) + "\n");
        var line = new StringBuilder(256);
        var pullDay = _pull.ToDateTime(TimeOnly.MinValue);
        for (long i = 1; i <= rows; i++)
        {
            if ((i & 0xFFFF) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var bookIn = _from.AddDays(_random.Next(_days)).AddMinutes(_random.Next(24 * 60));
            // Stay lengths: most short, a long tail (median about 3 weeks).
            var lengthDays = Math.Min(900, -Math.Log(1 - _random.NextDouble()) * 38);
            var bookOut = bookIn.AddDays(lengthDays).AddMinutes(_random.Next(600));
            var ended = bookOut <= pullDay;
            var reason = ended ? Pick(ReleaseReasons, _random) : "";
            var criminality = Pick(Criminality, _random);
            line.Clear();
            line.Append(CultureInfo.InvariantCulture, $"S{i:D10},P{(uint)(_random.Next(_people) * 2654435761u):x8},{bookIn:yyyy-MM-dd'T'HH:mm:ss},");
            if (ended)
            {
                line.Append(CultureInfo.InvariantCulture, $"{bookOut:yyyy-MM-dd'T'HH:mm:ss},{bookOut:yyyy-MM-dd},");
            }
            else
            {
                line.Append(",,");
            }

            line.Append(CsvCell.Format(reason)); // every text cell through CsvCell: quoted as needed, formulas neutralised
            line.Append(',').Append(criminality);
            var program = Pick(Programs, _random);
            line.Append(',').Append(CsvCell.Format(program));
            line.Append(',').Append(CsvCell.Format(_facilities[_random.Next(_facilities.Length)]));
            line.Append(',').Append(States[_random.Next(States.Length)]);
            var g = _random.Next(100);
            line.Append(',').Append(g < 86 ? "Male" : g < 99 ? "Female" : "Unknown");
            line.Append(',').Append((bookIn.Year - 18 - _random.Next(45)).ToString(CultureInfo.InvariantCulture));
            var country = Pick(Countries, _random);
            line.Append(',').Append(CsvCell.Format(country));
            line.Append(',').Append(criminality[0] == '1' ? (1 + _random.Next(3)).ToString(CultureInfo.InvariantCulture) : "");
            line.Append(',').Append(_pull.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).Append('\n');
            await writer.WriteAsync(line, cancellationToken);
        }

        await writer.FlushAsync(cancellationToken);
    }

    /// <summary>Writes a file (UTF-8, no BOM).</summary>
    public static async Task WriteFileAsync(string path, long rows, int seed = 20250228, CancellationToken cancellationToken = default)
    {
        var generator = new DetentionStayGenerator(seed, new DateOnly(2022, 10, 1), new DateOnly(2025, 1, 31), new DateOnly(2025, 2, 28), rows);
        await using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false), 1 << 20);
        await generator.WriteCsvAsync(writer, rows, cancellationToken);
    }

    /// <summary>A dataset spec for the generated stays (one table, vintage = data_pull_date, key = stay_id).</summary>
    public static string SpecYaml(string datasetName = "ice-detention-stays-synthetic") => $$"""
        dataset: {{datasetName}}
        description: Synthetic record-level ICE detention stays (benchmarks and tests; not real data).
        tables:
          - name: stays
            files: ["*.csv"]
            format: csv
            header_row: 1
            columns:
              - {name: stay_id, type: string, required: true}
              - {name: unique_identifier, type: string, required: true}
              - {name: stay_book_in_date_time, type: date, required: true, formats: ["yyyy-MM-dd'T'HH:mm:ss"]}
              - {name: stay_book_out_date_time, type: date, formats: ["yyyy-MM-dd'T'HH:mm:ss"]}
              - {name: stay_book_out_date, type: date}
              - {name: stay_release_reason, type: string}
              - {name: book_in_criminality, type: enum, required: true, values: [1 Convicted Criminal, 2 Pending Criminal Charges, 3 Other Immigration Violator]}
              - {name: final_program, type: string}
              - {name: detention_facility_code, type: string}
              - {name: facility_state, type: string}
              - {name: gender, type: enum, values: [Male, Female, Unknown]}
              - {name: birth_year, type: int}
              - {name: citizenship_country, type: string}
              - {name: case_threat_level, type: int}
              - {name: data_pull_date, type: date, required: true}
            vintage: {date: data_pull_date}
            key: [stay_id]
        """;
}
