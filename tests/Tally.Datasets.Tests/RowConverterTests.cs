using System.Text;
using Tally.Datasets.Loading;
using Tally.Datasets.Reading;
using Tally.Datasets.Specs;

namespace Tally.Datasets.Tests;

/// <summary>Every typed result of the converter and every rejection (column, code, reason) is pinned here, so a faster converter cannot drift.</summary>
public sealed class RowConverterTests
{
    private const string Spec = """
        dataset: conv
        tables:
          - name: t
            columns:
              - {name: id, type: string, required: true}
              - {name: n, type: int}
              - {name: x, type: decimal}
              - {name: day, type: date}
              - {name: at, type: date, formats: ["yyyy-MM-dd'T'HH:mm:ss"]}
              - {name: us, type: date, formats: ["MM/dd/yyyy"]}
              - {name: sex, type: enum, values: [Male, Female]}
        """;

    private static async Task<List<(object?[] Values, RowError? Error)>> ConvertAsync(params string[] rows)
    {
        var table = DatasetSpecParser.Parse(Spec, "conv.yaml").Tables[0];
        var text = "id|n|x|day|at|us|sex\n" + string.Join("\n", rows) + "\n";
        await using var input = new CountingStream(new MemoryStream(Encoding.UTF8.GetBytes(text)), long.MaxValue);
        await using var reader = await CsvRowReader.OpenAsync(input, '|', preferTab: false, new ReaderLimits(), CancellationToken.None);
        Assert.True(await reader.ReadAsync(CancellationToken.None));
        var converter = new RowConverter(table, HeaderMatcher.Bind(table, Enumerable.Range(0, reader.CellCount).Select(reader.Cell).ToList(), "header"));
        var results = new List<(object?[], RowError?)>();
        while (await reader.ReadAsync(CancellationToken.None))
        {
            var values = new object?[table.Columns.Length];
            results.Add(converter.TryConvert(reader, values, out var error) ? (values, null) : (values, error));
        }

        return results;
    }

    [Fact]
    public async Task Cells_AreTrimmedAndTyped_EmptyCellsAreNull()
    {
        var r = await ConvertAsync(
            " a1 | 1,234 | 1,234.5 | 2024-02-29 |2024-03-01T23:59:59| 12/31/2023 | Male ",
            "a2|-7|1e3|||2024-01-05|female",
            "a3|12.0|-0.25|2024-02-29|2024-03-01T00:00:00|2024-01-05|Female");

        Assert.All(r, x => Assert.Null(x.Error));
        Assert.Equal<object?>(["a1", 1234L, 1234.5, "2024-02-29", "2024-03-01", "2023-12-31", "Male"], r[0].Values);
        Assert.Equal<object?>(["a2", -7L, 1000d, null, null, "2024-01-05", "Female"], r[1].Values); // ISO accepted for a US-format column; enum matched loosely
        Assert.Equal<object?>(["a3", 12L, -0.25, "2024-02-29", "2024-03-01", "2024-01-05", "Female"], r[2].Values);
    }

    [Fact]
    public async Task RepeatedDates_InDateTimeAndOtherFormats_ShareOneStoredString()
    {
        var r = await ConvertAsync(
            "a1||||2024-03-01T08:00:00|12/31/2023|",
            "a2||||2024-03-01T17:30:00|12/31/2023|",
            "a3||||2024-03-02T00:00:00|01/01/2024|");

        Assert.All(r, x => Assert.Null(x.Error));
        Assert.Equal<object?>(["2024-03-01", "2023-12-31"], r[0].Values[4..6]);
        Assert.Same(r[0].Values[4], r[1].Values[4]); // one string for the day, not one per cell
        Assert.Same(r[0].Values[5], r[1].Values[5]);
        Assert.Equal<object?>(["2024-03-02", "2024-01-01"], r[2].Values[4..6]);
    }

    [Theory]
    [InlineData("b|1,23|||||", "n", "NOT_A_WHOLE_NUMBER", "'n' is not a whole number: '1,23'")]
    [InlineData("b|1.5|||||", "n", "NOT_A_WHOLE_NUMBER", "'n' is not a whole number: '1.5'")]
    [InlineData("b|12a|||||", "n", "NOT_A_WHOLE_NUMBER", "'n' is not a whole number: '12a'")]
    [InlineData("b||NaN||||", "x", "NOT_A_NUMBER", "'x' is not a number: 'NaN'")]
    [InlineData("b||1e999||||", "x", "NOT_A_NUMBER", "'x' is not a number: '1e999'")]
    [InlineData("b|||2023-02-29|||", "day", "UNPARSABLE_DATE", "'day' is not a date in the format yyyy-MM-dd: '2023-02-29'")]
    [InlineData("b|||2024-13-01|||", "day", "UNPARSABLE_DATE", "'day' is not a date in the format yyyy-MM-dd: '2024-13-01'")]
    [InlineData("b||||2024-03-01T24:00:00||", "at", "UNPARSABLE_DATE", "'at' is not a date in the format yyyy-MM-dd'T'HH:mm:ss: '2024-03-01T24:00:00'")]
    [InlineData("b|||||31/12/2023|", "us", "UNPARSABLE_DATE", "'us' is not a date in the format MM/dd/yyyy: '31/12/2023'")]
    [InlineData("  |||||", "id", "MISSING_REQUIRED", "'id' is required but empty")]
    public async Task BadCells_AreRejected_WithTheirColumnCodeAndReason(string row, string column, string code, string reason)
    {
        var r = Assert.Single(await ConvertAsync(row + (row.Count(c => c == '|') < 6 ? "|" : "")));

        Assert.Equal(new RowError(column, code, reason), r.Error);
    }

    [Fact]
    public async Task UnknownEnumValue_NamesTheValueAndTheAllowedOnes_AndLongCellsAreClipped()
    {
        var r = await ConvertAsync("c||||||Other", "d|" + new string('9', 30) + "x|||||");

        Assert.Equal(new RowError("sex", "NOT_ALLOWED_VALUE", "'sex' is 'Other', which is not one of the spec's values (Male, Female); add it to the spec if it is genuine"), r[0].Error);
        Assert.Equal(new RowError("n", "NOT_A_WHOLE_NUMBER", $"'n' is not a whole number: '{new string('9', 30)}x'"), r[1].Error);
        var long90 = await ConvertAsync("e|" + new string('1', 89) + "z|||||");
        Assert.Equal($"'n' is not a whole number: '{new string('1', 77)}...'", long90[0].Error!.Value.Reason);
    }

    [Fact]
    public async Task RepeatedDates_KeepTheirOwnValues_WhenTheDateChanges()
    {
        var r = await ConvertAsync("a|||2024-01-01|2024-01-01T10:00:00||", "b|||2024-01-01|2024-01-02T10:00:00||", "c|||2024-01-02|2024-01-02T11:00:00||");

        Assert.Equal(["2024-01-01", "2024-01-01", "2024-01-02"], r.Select(x => (string)x.Values[3]!));
        Assert.Equal(["2024-01-01", "2024-01-02", "2024-01-02"], r.Select(x => (string)x.Values[4]!));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(1961L)]
    [InlineData(4095L)]
    [InlineData(4096L)]
    [InlineData(-1L)]
    [InlineData(long.MinValue)]
    [InlineData(long.MaxValue)]
    public void WholeNumbers_AreBoxedAsThemselves_SmallOnesSharedAcrossRows(long value)
    {
        var boxed = RowConverter.Box(value);

        Assert.Equal(value, Assert.IsType<long>(boxed));
        Assert.Equal(value is >= 0 and < 4096, ReferenceEquals(boxed, RowConverter.Box(value)));
    }
}
