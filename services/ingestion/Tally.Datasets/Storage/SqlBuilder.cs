using System.Globalization;
using Dapper;
using Tally.Datasets.Specs;

namespace Tally.Datasets.Storage;

/// <summary>Builds parameterised SQL fragments that run unchanged on SQLite and PostgreSQL.</summary>
internal sealed class SqlBuilder
{
    private int _next;

    public DynamicParameters Parameters { get; } = new();

    public string Param(object? value)
    {
        var name = "p" + _next++;
        Parameters.Add(name, value);
        return "@" + name;
    }

    public string List(IEnumerable<object?> values) => string.Join(", ", values.Select(Param));

    /// <summary>Column reference, optionally qualified by a table alias.</summary>
    public static string Col(string column, string? alias = null) => alias is null ? PhysicalTable.Q(column) : $"{alias}.{PhysicalTable.Q(column)}";

    /// <summary>A filter value as the column stores it (whole numbers as long, decimals as double, dates as ISO text).</summary>
    public static object Typed(ColumnSpec column, string value)
    {
        switch (column.Type)
        {
            case ColumnType.Int when long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l):
                return l;
            case ColumnType.Int:
            case ColumnType.Decimal:
                return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
                    ? d
                    : throw new DatasetException(DatasetErrorKind.InvalidArgument, $"'{value}' is not a number, but column '{column.Name}' holds numbers.");
            case ColumnType.Date:
                return DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
                    ? date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
                    : throw new DatasetException(DatasetErrorKind.InvalidArgument, $"'{value}' is not a date YYYY-MM-DD, but column '{column.Name}' holds dates.");
            default:
                return value;
        }
    }

    /// <summary>"column IN (...)", with "" meaning an empty cell (NULL).</summary>
    public string In(ColumnSpec column, IEnumerable<string> values, string? alias = null, bool negate = false)
    {
        var list = values.ToList();
        var col = Col(column.Name, alias);
        var nonEmpty = list.Where(v => v.Length > 0).Select(v => Typed(column, v)).ToList();
        var parts = new List<string>();
        if (nonEmpty.Count == 1)
        {
            parts.Add($"{col} = {Param(nonEmpty[0])}");
        }
        else if (nonEmpty.Count > 1)
        {
            parts.Add($"{col} IN ({List(nonEmpty)})");
        }

        if (list.Any(v => v.Length == 0))
        {
            parts.Add($"{col} IS NULL");
        }

        var any = parts.Count == 0 ? "1 = 0" : parts.Count == 1 ? parts[0] : "(" + string.Join(" OR ", parts) + ")";
        return negate ? $"(NOT ({any}) OR ({(list.Any(v => v.Length == 0) ? "1 = 0" : $"{col} IS NULL")}))" : any;
    }

    public string Selector(TableSpec table, RowSelector selector, string? alias = null)
    {
        if (selector.IsEmpty)
        {
            return "1 = 1";
        }

        return string.Join(" AND ", selector.Values.Select(kv => "(" + In(table.Column(kv.Key)!, kv.Value, alias) + ")"));
    }
}
