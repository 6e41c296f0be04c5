using System.Text;

namespace Tally.Catalog;

/// <summary>Thrown when a catalog does not validate; carries every error found, in file order.</summary>
public sealed class CatalogValidationException : Exception
{
    public CatalogValidationException()
        : this("The catalog is invalid.", [])
    {
    }

    public CatalogValidationException(string message)
        : this(message, [])
    {
    }

    public CatalogValidationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [];
    }

    public CatalogValidationException(string directory, IReadOnlyList<CatalogError> errors)
        : base(Describe(directory, errors))
    {
        Errors = errors;
    }

    /// <summary>All errors, sorted by file, line and column.</summary>
    public IReadOnlyList<CatalogError> Errors { get; }

    private static string Describe(string directory, IReadOnlyList<CatalogError> errors)
    {
        var text = new StringBuilder();
        text.Append("The catalog in '").Append(directory).Append("' is invalid (")
            .Append(errors.Count).Append(errors.Count == 1 ? " error" : " errors").Append("); nothing was loaded.");
        foreach (var error in errors)
        {
            text.AppendLine().Append("  ").Append(error);
        }

        return text.ToString();
    }
}
