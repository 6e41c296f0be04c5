namespace Tally.Datasets.Reading;

/// <summary>One captured row (used to sample rows for inference, then replay them into the load).</summary>
internal sealed record CapturedRow(string? Sheet, long RowNumber, string[] Cells, string? Problem, string? ProblemCode, bool StartsSheet);

/// <summary>Yields captured rows first, then continues with the underlying reader.</summary>
internal sealed class ReplayReader(IReadOnlyList<CapturedRow> captured, IRowReader rest) : IRowReader
{
    private int _index = -1;

    private CapturedRow? Current => _index < captured.Count ? captured[_index] : null;

    public string? Sheet => Current is { } c ? c.Sheet : rest.Sheet;

    public long RowNumber => Current?.RowNumber ?? rest.RowNumber;

    public int CellCount => Current?.Cells.Length ?? rest.CellCount;

    public long BytesRead => rest.BytesRead;

    public string? Problem => Current is { } c ? c.Problem : rest.Problem;

    public string? ProblemCode => Current is { } c ? c.ProblemCode : rest.ProblemCode;

    public bool StartsSheet => Current?.StartsSheet ?? rest.StartsSheet;

    public string Cell(int index) => Current is { } c ? (index < c.Cells.Length ? c.Cells[index] : "") : rest.Cell(index);

    public ValueTask<bool> ReadAsync(CancellationToken cancellationToken)
    {
        if (_index < captured.Count)
        {
            _index++;
        }

        return _index < captured.Count ? ValueTask.FromResult(true) : rest.ReadAsync(cancellationToken);
    }

    public static CapturedRow Capture(IRowReader reader)
    {
        var cells = new string[reader.CellCount];
        for (var i = 0; i < cells.Length; i++)
        {
            cells[i] = reader.Cell(i);
        }

        return new CapturedRow(reader.Sheet, reader.RowNumber, cells, reader.Problem, reader.ProblemCode, reader.StartsSheet);
    }

    public ValueTask DisposeAsync() => rest.DisposeAsync();
}
