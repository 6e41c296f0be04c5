using System.Globalization;
using System.Text;
using Google.Protobuf;
using Tally.Common.V1;
using Tally.Grpc;
using Tally.Ingestion.V1;
using Tally.Query.V1;

namespace Tally.Bench.Load;

/// <summary>A response that arrived but is wrong (an error like any RpcException: the run fails).</summary>
internal sealed class BadResponseException(string message) : Exception(message);

/// <summary>
/// The requests of the mixed workload, over the real gRPC clients, and the check each response must pass:
/// <list type="bullet">
/// <item>asks: the seed questions (tests/Tally.Query.Tests/Composition/SeedQuestionTests.cs: the three seed fact-checks'
/// questions in many phrasings and their "dive deeper" questions) and the same questions over other fiscal years;
/// every answer must carry a status and a headline;</item>
/// <item>figure lookups: metric and period pairs of the bundled catalog (catalog/figures), the value checked;</item>
/// <item>documents: a short plain-text memo, unique per call (run tag + call number), under one of eight sources;
/// the snapshot must be new. Its numbers are about court filings and tip-line calls, which link to no catalog metric,
/// so answers do not accumulate unreviewed figures as the run goes on;</item>
/// <item>datasets: a CSV of 324 rows (12 months x 9 offices x 3 criminality classes) of random counts, streamed as
/// one IngestDataset call, a new vintage of one of four datasets; every row must be stored, none quarantined.</item>
/// </list>
/// </summary>
internal sealed class LoadWorkload(QueryService.QueryServiceClient query, IngestionService.IngestionServiceClient ingestion, string runTag,
    Func<CallOptions> call)
{
    /// <summary>Cached repeats: the seed questions, cache allowed.</summary>
    public static readonly string[] RepeatQuestions =
    [
        "How many people did ICE deport in 2024?",
        "How many wrongful deportation cases were reported to the Department of Homeland Security in 2024?",
        "How many deportable immigrants with criminal convictions are released by ICE annually in recent years?",
        "How many people did ICE remove in fiscal year 2024?",
        "How many ICE ERO administrative arrests were there in FY2024?",
    ];

    private static readonly string[] SeedPhrasings =
    [
        "How many people did ICE remove in fiscal year 2024?",
        "How many people did ICE deport in fiscal year 2024?",
        "How many removals did ICE carry out in FY2024?",
        "How many people were deported by ICE in fiscal 2024?",
        "ICE deportations in FY24",
        "How many ICE removals were there in FY 2024?",
        "How many noncitizens did Immigration and Customs Enforcement remove during fiscal year 2024?",
        "how many people did ice deport in 2024",
        "How many people did ICE remove during 2024?",
        "How many wrongful deportation cases were reported to DHS in 2024?",
        "How many wrongful deportations were reported to DHS in fiscal year 2024?",
        "How many people were wrongly deported in 2024?",
        "How many erroneous removals did DHS record in 2024?",
        "How many wrongful deportation cases were reported to the Department of Homeland Security in 2023 for comparison?",
        "How many deportable immigrants with criminal convictions does ICE release each year?",
        "How many convicted criminals does ICE release annually?",
        "How many criminal aliens were released by ICE each year?",
        "How many immigrants with criminal records did ICE release in fiscal year 2024?",
        "How many convicted immigrants were let go by ICE per year?",
        "What is the process for reporting wrongful deportation to the Department of Homeland Security?",
        "What criteria determine whether ICE releases an immigrant with a criminal conviction?",
        "How do ICE release rates for convicted immigrants vary by offense type (violent, drug, DUI, immigration)?",
        "How do ICE release statistics compare to CBP or state corrections releases of noncitizens?",
        "How many detainees in ICE custody had criminal convictions each year from 2018–2024?",
        "How many immigrants with criminal convictions are on ICE's docket?",
        "How many at-large arrests did ICE make in FY2024?",
    ];

    private static readonly string[] YearTemplates =
    [
        "How many people did ICE remove in fiscal year {0}?",
        "How many ICE ERO administrative arrests were there in FY{0}?",
        "How many at-large arrests did ICE make in FY{0}?",
        "How many criminal arrests did HSI make in fiscal year {0}?",
        "How many immigration court cases were dismissed because DHS did not file the Notice to Appear in FY{0}?",
        "How many noncitizens with criminal histories did ICE remove in FY{0}?",
        "How many pounds of narcotics did HSI seize in fiscal year {0}?",
        "How many people did DHS deport in {0}?",
        "How many convicted immigrants did ICE release in fiscal year {0}?",
    ];

    /// <summary>Varied questions: every seed phrasing, and every year template over FY2019–FY2025 (89 in all).</summary>
    public static readonly string[] VariedQuestions =
    [
        .. SeedPhrasings,
        .. YearTemplates.SelectMany(t => Enumerable.Range(2019, 7).Select(y => string.Format(CultureInfo.InvariantCulture, t, y))),
    ];

    /// <summary>Figure lookups with the value the bundled catalog records (catalog/figures/*.yaml).</summary>
    public static readonly (string Metric, Period Period, double Value)[] Figures =
    [
        ("ice-removals", FiscalYear(2024), 271484),
        ("ice-removals-criminal-history", FiscalYear(2024), 88763),
        ("ice-ero-administrative-arrests", FiscalYear(2024), 113431),
        ("ice-ero-at-large-arrests", FiscalYear(2024), 33243),
        ("ice-hsi-criminal-arrests", FiscalYear(2024), 32608),
        ("ice-opla-pd-dismissals", FiscalYear(2024), 126077),
        ("trac-nta-dismissals", FiscalYear(2023), 68869),
        ("ice-opla-completions-supported", FiscalYear(2024), 582860),
        ("ice-national-docket-convicted", AsOf("2024-07-21"), 435719),
        ("ice-hsi-child-exploitation-victims", FiscalYear(2024), 1783),
    ];

    private static readonly string[] Offices = ["Atlanta", "Baltimore", "Chicago", "Dallas", "El Paso", "Houston", "Miami", "New Orleans", "San Antonio"];
    private static readonly string[] Criminality = ["Convicted Criminal", "Pending Criminal Charges", "Other Immigration Violator"];
    public const int DatasetRows = 12 * 9 * 3;
    private const int DocumentSources = 8;
    private const int DatasetNames = 4;

    /// <summary>Runs one call of <paramref name="op"/>; <paramref name="n"/> is the run-wide call number (unique).</summary>
    /// <returns>True when the answer came from the cache (asks and figure lookups; false otherwise).</returns>
    public async Task<bool> RunAsync(Operation op, long n, Random random, CancellationToken cancellationToken) => op switch
    {
        Operation.AskRepeat => await AskAsync(RepeatQuestions[random.Next(RepeatQuestions.Length)], skipCache: false),
        Operation.AskVaried => await AskAsync(VariedQuestions[random.Next(VariedQuestions.Length)], skipCache: true),
        Operation.Figure => await FigureAsync(Figures[random.Next(Figures.Length)]),
        Operation.Document => await DocumentAsync(n, random),
        Operation.Dataset => await DatasetAsync(n, cancellationToken),
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "unknown operation"),
    };

    private async Task<bool> AskAsync(string question, bool skipCache)
    {
        var answer = await query.AskAsync(new AskRequest { Question = question, SkipCache = skipCache }, call());
        if (answer.Status == AnswerStatus.Unspecified || string.IsNullOrWhiteSpace(answer.Headline))
        {
            throw new BadResponseException($"Ask '{question}' came back without a status or headline.");
        }

        return answer.ServedFrom?.Kind == ServedFrom.Types.Kind.Cache;
    }

    private async Task<bool> FigureAsync((string Metric, Period Period, double Value) f)
    {
        var answer = await query.GetFigureAsync(new GetFigureRequest { MetricId = f.Metric, Period = f.Period }, call());
        // ANSWERED, or PARTIAL where the answer adds a caveat (a stock on a date, a component): the value is what must not drift.
        if (answer.Status is not (AnswerStatus.Answered or AnswerStatus.Partial) || answer.Figures.Count == 0 || answer.Figures[0].Value != f.Value)
        {
            throw new BadResponseException(string.Create(CultureInfo.InvariantCulture,
                $"GetFigure {f.Metric} {f.Period.Label}: expected {f.Value} (ANSWERED or PARTIAL), got {answer.Status} with {(answer.Figures.Count == 0 ? "no figure" : answer.Figures[0].Value)}."));
        }

        return answer.ServedFrom?.Kind == ServedFrom.Types.Kind.Cache;
    }

    private async Task<bool> DocumentAsync(long n, Random random)
    {
        var slot = n % DocumentSources;
        var month = CultureInfo.InvariantCulture.DateTimeFormat.GetMonthName(1 + (int)(n % 12));
        var text = string.Create(CultureInfo.InvariantCulture, $"""
            Regional desk memo {runTag}-{n}

            The county clerk counted {random.Next(100, 90_000):N0} immigration court filings in {month} 2025, and the
            legal aid hotline took {random.Next(10, 5_000):N0} calls in the same month. Volunteers staffed
            {random.Next(2, 60)} clinics across {random.Next(2, 12)} towns.

            Reporter's note {n}: figures are from the clerk's weekly sheet and have not been checked against the court's
            own records.
            """);
        var response = await ingestion.IngestDocumentAsync(new IngestDocumentRequest
        {
            Content = ByteString.CopyFromUtf8(text),
            MediaType = "text/plain",
            FileName = string.Create(CultureInfo.InvariantCulture, $"desk-memo-{runTag}-{n}.txt"),
            NewSource = new Source
            {
                Kind = SourceKind.News,
                Publisher = "Tally load run",
                Title = string.Create(CultureInfo.InvariantCulture, $"Regional desk memos, series {slot}"),
                Url = string.Create(CultureInfo.InvariantCulture, $"https://load.tally.invalid/memos/{slot}"),
            },
        }, call());
        if (response.AlreadyExisted || string.IsNullOrEmpty(response.Snapshot?.Id))
        {
            throw new BadResponseException($"IngestDocument {n}: expected a new snapshot for unique content, got {(response.AlreadyExisted ? "already_existed" : "no snapshot id")}.");
        }

        return false;
    }

    private async Task<bool> DatasetAsync(long n, CancellationToken cancellationToken)
    {
        var name = string.Create(CultureInfo.InvariantCulture, $"load-office-counts-{n % DatasetNames}");
        // Seeded by run and call, not by worker: another run against the same storage must not send the same bytes.
        var csv = DatasetCsv(new Random(HashCode.Combine(runTag, n)));
        var header = new DatasetHeader
        {
            Name = name,
            FileName = string.Create(CultureInfo.InvariantCulture, $"{name}-{runTag}-{n}.csv"),
            SpecYaml = DatasetSpec(name),
            Format = DatasetFormat.Csv,
            Vintage = string.Create(CultureInfo.InvariantCulture, $"{runTag}-{n}"),
            ExpectedBytes = csv.Length,
            NewSource = new Source
            {
                Kind = SourceKind.OfficialDataset,
                Publisher = "Tally load run",
                Title = string.Create(CultureInfo.InvariantCulture, $"Office book-outs by month ({name})"),
                Url = string.Create(CultureInfo.InvariantCulture, $"https://load.tally.invalid/datasets/{name}"),
            },
        };

        using var upload = ingestion.IngestDataset(call());
        var reading = Task.Run(async () =>
        {
            IngestDatasetProgress? last = null;
            while (await upload.ResponseStream.MoveNext(cancellationToken))
            {
                last = upload.ResponseStream.Current;
            }

            return last;
        }, cancellationToken);
        await upload.RequestStream.WriteAsync(new IngestDatasetRequest { Header = header }, cancellationToken);
        const int chunk = 16 * 1024;
        for (var i = 0; i < csv.Length; i += chunk)
        {
            await upload.RequestStream.WriteAsync(new IngestDatasetRequest { Chunk = ByteString.CopyFrom(csv, i, Math.Min(chunk, csv.Length - i)) }, cancellationToken);
        }

        await upload.RequestStream.CompleteAsync();
        var final = await reading;
        var summary = final?.Summary;
        if (final?.Phase != IngestDatasetProgress.Types.Phase.Completed || summary is null)
        {
            throw new BadResponseException($"IngestDataset {name}: the stream ended without a COMPLETED summary (last phase {final?.Phase.ToString() ?? "none"}).");
        }

        if (summary.RowsRead != DatasetRows || summary.RowsStored != DatasetRows || summary.RowsQuarantined != 0 || summary.AlreadyExisted)
        {
            throw new BadResponseException(string.Create(CultureInfo.InvariantCulture,
                $"IngestDataset {name}: expected {DatasetRows} rows read and stored, none quarantined, new; got read {summary.RowsRead}, stored {summary.RowsStored}, quarantined {summary.RowsQuarantined}, already_existed {summary.AlreadyExisted}."));
        }

        return false;
    }

    internal static string DatasetSpec(string name) => string.Create(CultureInfo.InvariantCulture, $$"""
        dataset: {{name}}
        description: Generated by the load run (bench/Tally.Bench/Load); book-outs per office, month and criminality.
        tables:
          - name: book_outs
            files: ["*.csv"]
            format: csv
            columns:
              - {name: month, type: date, required: true, formats: ["yyyy-MM-dd"]}
              - {name: office, type: string, required: true}
              - {name: criminality, type: enum, required: true, values: [{{string.Join(", ", Criminality)}}]}
              - {name: n_book_outs, type: int, required: true}
            period: {date: month}
            key: [month, office, criminality]
        """);

    internal static byte[] DatasetCsv(Random random)
    {
        var csv = new StringBuilder("month,office,criminality,n_book_outs\n", 16 * 1024);
        for (var m = 0; m < 12; m++)
        {
            var month = new DateOnly(2023, 10, 1).AddMonths(m).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            foreach (var office in Offices)
            {
                foreach (var criminality in Criminality)
                {
                    csv.Append(CultureInfo.InvariantCulture, $"{month},{office},{criminality},{random.Next(0, 5000)}\n");
                }
            }
        }

        return Encoding.UTF8.GetBytes(csv.ToString());
    }

    private static Period FiscalYear(int year) =>
        new() { Kind = PeriodKind.FiscalYear, FiscalYear = year, Label = string.Create(CultureInfo.InvariantCulture, $"FY{year}") };

    private static Period AsOf(string date) => new() { Kind = PeriodKind.AsOfDate, StartDate = date, EndDate = date, Label = $"as of {date}" };
}
