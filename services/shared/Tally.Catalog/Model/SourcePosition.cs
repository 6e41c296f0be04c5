namespace Tally.Catalog.Model;

/// <summary>Where something was written: a catalog-relative file path (forward slashes) and a 1-based line and column.</summary>
public sealed record SourcePosition(string File, int Line, int Column)
{
    public override string ToString() => $"{File}:{Line}:{Column}";
}
