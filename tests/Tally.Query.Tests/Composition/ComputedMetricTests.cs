using Tally.Common.V1;
using Tally.Ingestion.V1;
using Tally.Query.Composition;
using Tally.Query.Tests.Support;
using Tally.Query.V1;
using Code = Tally.Common.V1.Caveat.Types.Code;

namespace Tally.Query.Tests.Composition;

/// <summary>
/// ice-releases-convicted is computed from ICE's book-outs table: composed over what ComputeMetric returns (built here
/// in the shape ingestion returns it), or over nothing when the dataset is not ingested.
/// </summary>
public sealed class ComputedMetricTests
{
    private const string Question = "How many people with criminal convictions did ICE release from detention in FY2023?";
    private static readonly CatalogProto Fx = CatalogProto.Instance;

    private static Answer Ask(string question, ComputeMetricResponse? computed)
    {
        var (parsed, candidates) = TestResolver.Resolve(question);
        var inputs = Fx.Inputs(question, parsed, candidates) with
        {
            Computed = computed is null ? new Dictionary<string, ComputeMetricResponse>() : new() { ["ice-releases-convicted"] = computed },
        };
        return AnswerComposer.Compose(inputs).Answer;
    }

    private static VintageValue Vintage(string label, double? value, bool ytd = false, params string[] suspect)
    {
        var v = new VintageValue { Vintage = label, VintageDate = label, HasValue = value is not null, Value = value ?? 0, RowCount = value is null ? 0 : 48, YearToDate = ytd, Suspect = suspect.Length > 0 };
        v.SuspectReasons.AddRange(suspect);
        return v;
    }

    /// <summary>One year as ingestion computes it: the value from <paramref name="used"/>, the other vintages, the suspect ones skipped.</summary>
    private static ComputedYear Year(int fy, VintageValue? used, IEnumerable<VintageValue> others, bool ytd = false)
    {
        var period = PeriodText.FiscalYear(fy);
        if (ytd && used is not null)
        {
            period.YearToDate = true;
            period.EndDate = used.VintageDate;
            period.Label = $"FY{fy} through {used.VintageDate}";
        }

        var computation = new Computation
        {
            Dataset = "ice-detention-stats",
            Table = "book_outs_by_reason",
            Measure = "sum(n_book_outs)",
            DateColumn = "date",
            VintageRule = "latest_valid_for_period",
            Explanation = used is null ? $"No vintage of ice-detention-stats/book_outs_by_reason covers FY{fy}." : $"FY{fy}: {used.Value} from vintage {used.Vintage}.",
        };
        var reasons = new DatasetFilter { Column = "release_reason", Operator = DatasetFilter.Types.Operator.In };
        reasons.Values.AddRange(["Bonded Out", "Order of Recognizance", "Order of Supervision", "Paroled", "Court Ordered", "Prosecutorial Discretion"]);
        var criminality = new DatasetFilter { Column = "criminality", Operator = DatasetFilter.Types.Operator.Equals };
        criminality.Values.Add("Convicted Criminal");
        computation.Filters.AddRange([criminality, reasons]);
        if (used is not null)
        {
            computation.Used = used;
        }

        var list = others.ToList();
        computation.OtherVintages.AddRange(list);
        computation.SkippedVintages.AddRange(list.Where(v => v.Suspect));
        var year = new ComputedYear { Period = period, Computation = computation, HasValue = used is not null };
        if (used is not null)
        {
            var figure = new Figure
            {
                Id = $"computed:ice-releases-convicted:FY{fy}:{used.Vintage}",
                MetricId = "ice-releases-convicted",
                DefinitionVersion = 2,
                Period = period,
                Value = used.Value,
                Qualifier = Qualifier.Exact,
                Status = ytd ? FigureStatus.YearToDate : FigureStatus.Final,
                Unit = "count",
                Vintage = used.Vintage,
                SnapshotId = "snap-ice",
                ReviewState = ReviewState.Reviewed,
            };
            figure.Citations.Add(new Citation { Id = $"cit-{fy}", SnapshotId = "snap-ice", Fragment = "Bonded Out,Convicted Criminal,Oct,...", Verified = true });
            year.Figure = figure;
        }

        return year;
    }

    private static ComputeMetricResponse Loaded(params ComputedYear[] years)
    {
        var r = new ComputeMetricResponse { Dataset = "ice-detention-stats", Table = "book_outs_by_reason", Loaded = true };
        r.Years.AddRange(years);
        return r;
    }

    private static ComputeMetricResponse Fy2023() => Loaded(Year(2023, Vintage("2023-09-30", 7626),
    [
        Vintage("2023-09-18", 7016, ytd: true),
        Vintage("2023-09-04", 6654, ytd: true),
        Vintage("2023-08-21", 6285, ytd: true),
        Vintage("2023-08-07", 5916, ytd: true),
        Vintage("2023-07-24", 5596, ytd: true),
        Vintage("2022-10-31", 530, ytd: true),
        Vintage("2022-01-23", 2168, false, "MISLABELLED_FISCAL_YEAR: Vintage 2022-01-23 is dated 2022-01-23, before FY2023 began on 2022-10-01, yet it holds FY2023 rows."),
        Vintage("2022-01-09", 1940, false, "MISLABELLED_FISCAL_YEAR: Vintage 2022-01-09 is dated 2022-01-09, before FY2023 began on 2022-10-01, yet it holds FY2023 rows."),
    ]));

    [Fact]
    public void NotIngested_NotPublishedSayingNoFigureYetAndToIngestTheDataset()
    {
        var answer = Ask(Question, computed: null);

        Assert.True(answer.Status == AnswerStatus.NotPublished, answer.Describe());
        Assert.Empty(answer.Figures);
        var gap = Assert.Single(answer.DataGaps);
        Assert.Equal("ice-releases-convicted", gap.MetricId);
        Assert.Contains("tally ingest dataset book-outs-by-reason.csv --name ice-detention-stats", gap.WhatWouldSettle, StringComparison.Ordinal);
        Assert.Contains("has not been ingested yet, so no figure is available", gap.WhyUnpublished, StringComparison.Ordinal);
        var first = answer.Caveats[0];
        Assert.Equal(Code.ComputedNotPublished, first.Code);
        Assert.StartsWith("No figure is available yet: Tally computes this metric from dataset ice-detention-stats (table book_outs_by_reason)", first.Text, StringComparison.Ordinal);
        Assert.Contains(answer.Related, r => r.MetricId == "ice-national-docket-convicted" && r.Differences.Contains(Code.StockNotFlow));
    }

    [Fact]
    public void IngestionDown_SameAsNotIngested_NoFigureYet()
    {
        var answer = Ask(Question, new ComputeMetricResponse { Dataset = "ice-detention-stats", Loaded = false, Message = "The ingestion service could not compute it (Unavailable: down)." });

        Assert.Equal(AnswerStatus.NotPublished, answer.Status);
        Assert.Equal(Code.ComputedNotPublished, answer.Caveats[0].Code);
    }

    [Fact]
    public void Fy2023Computed_AnsweredWithVintageOtherVintagesSkippedSuspectsAndHowItWasComputed()
    {
        var answer = Ask(Question, Fy2023());

        Assert.True(answer.Status is AnswerStatus.Answered or AnswerStatus.Partial, answer.Describe());
        var main = answer.MainFigure();
        Assert.Equal((7626d, "2023-09-30", 2023), (main.Value, main.Vintage, main.Period.FiscalYear));
        Assert.Equal("2023-09-30", main.Computation.Used.Vintage);
        Assert.Equal(8, main.Computation.OtherVintages.Count);
        Assert.EndsWith("[1], computed by Tally from the data pull of 2023-09-30 of dataset ice-detention-stats.", answer.Headline, StringComparison.Ordinal);

        var how = Assert.Single(answer.Caveats, c => c.Code == Code.ComputedNotPublished && c.Text.StartsWith("No source publishes", StringComparison.Ordinal));
        Assert.Contains("table book_outs_by_reason of dataset ice-detention-stats, the data pull of 2023-09-30, as the sum of n_book_outs over rows with " +
                        "criminality Convicted Criminal and release reason Bonded Out, Order of Recognizance, Order of Supervision, Paroled, Court Ordered or Prosecutorial Discretion, for FY2023",
            how.Text, StringComparison.Ordinal);
        var others = Assert.Single(answer.Caveats, c => c.Code == Code.Revised);
        Assert.Contains("7,016 (the data pull of 2023-09-18, year to date); 6,654 (the data pull of 2023-09-04, year to date)", others.Text, StringComparison.Ordinal);
        Assert.Contains("2 earlier pulls (2022-10-31 to 2023-07-24) said 530 to 5,596", others.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("2022-01-09", others.Text, StringComparison.Ordinal);
        var skipped = Assert.Single(answer.Caveats, c => c.Code == Code.SuspectVintageSkipped);
        Assert.StartsWith("Skipped as suspect: the data pull of 2022-01-23 (it says 2,168) and the data pull of 2022-01-09 (it says 1,940), which failed validation (MISLABELLED_FISCAL_YEAR).",
            skipped.Text, StringComparison.Ordinal);
        Assert.Contains(answer.Caveats, c => c.Code == Code.DifferentUnit && c.MetricId == "ice-releases-convicted"); // stays asked as people
        Assert.Empty(answer.DataGaps);
    }

    [Fact]
    public void OnlyAPartialYear_PartialWithYearToDateCaveat()
    {
        var computed = Loaded(Year(2023, Vintage("2023-05-15", 4100, ytd: true), [], ytd: true));

        var answer = Ask(Question, computed);

        Assert.True(answer.Status == AnswerStatus.Partial, answer.Describe());
        Assert.Equal(4100d, answer.MainFigure().Value);
        Assert.Contains(answer.Caveats, c => c.Code == Code.YearToDate);
        Assert.Contains("The closest figure is", answer.Headline, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadedButNoVintagePassedValidation_NotPublishedWithTheEnginesReason()
    {
        var computed = Loaded(Year(2023, null, [Vintage("2022-01-09", 1940, false, "MISLABELLED_FISCAL_YEAR: Vintage 2022-01-09 is mislabelled.")]));

        var answer = Ask(Question, computed);

        Assert.Equal(AnswerStatus.NotPublished, answer.Status);
        var gap = Assert.Single(answer.DataGaps);
        Assert.Contains("is ingested but gives no usable value: No vintage of ice-detention-stats/book_outs_by_reason covers FY2023.", gap.WhyUnpublished, StringComparison.Ordinal);
        Assert.Contains("which is ingested, but no vintage that passed validation gives a value", answer.Caveats[0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public void AnotherMetricsQuestion_ComputedFiguresShowAsRelatedNotAsGap()
    {
        var (parsed, candidates) = TestResolver.Resolve("How many convicted noncitizens were on ICE's national docket as of July 21, 2024?");
        var inputs = Fx.Inputs("How many convicted noncitizens were on ICE's national docket as of July 21, 2024?", parsed, candidates) with
        {
            Computed = new Dictionary<string, ComputeMetricResponse> { ["ice-releases-convicted"] = Fy2023() },
        };

        var answer = AnswerComposer.Compose(inputs).Answer;

        Assert.Equal("ice-national-docket-convicted", answer.MainFigure().MetricId);
        Assert.DoesNotContain(answer.DataGaps, g => g.MetricId == "ice-releases-convicted");
    }
}
