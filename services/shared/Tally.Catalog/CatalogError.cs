namespace Tally.Catalog;

/// <summary>
/// One validation error: where (catalog-relative file, 1-based line and column) and what to do.
/// <see cref="ToString"/> gives the familiar <c>file:line:column: message</c> form.
/// </summary>
public sealed record CatalogError(string File, int Line, int Column, string Message)
{
    public override string ToString() => $"{File}:{Line}:{Column}: {Message}";
}
