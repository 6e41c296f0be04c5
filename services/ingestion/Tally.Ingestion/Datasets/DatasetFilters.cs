using Tally.Datasets.Query;
using Tally.Grpc;
using Tally.Common.V1;

namespace Tally.Ingestion.Datasets;

/// <summary>The filters of a dataset request (QueryDataset, ComputeMetric) as the engine's <see cref="MetricFilter"/>s.</summary>
internal static class DatasetFilters
{
    /// <summary>Maps each filter; a filter without an operator is INVALID_ARGUMENT naming its column (and <paramref name="owner"/>, e.g. " of metric 'x'").</summary>
    public static List<MetricFilter> ToEngine(IEnumerable<DatasetFilter> filters, string owner = "") =>
        filters.Select(f => f.Operator switch
        {
            DatasetFilter.Types.Operator.Equals => new MetricFilter(f.Column, FilterOperator.In, [.. f.Values.Take(1)]),
            DatasetFilter.Types.Operator.NotEquals => new MetricFilter(f.Column, FilterOperator.NotIn, [.. f.Values.Take(1)]),
            DatasetFilter.Types.Operator.In => new MetricFilter(f.Column, FilterOperator.In, [.. f.Values]),
            DatasetFilter.Types.Operator.NotIn => new MetricFilter(f.Column, FilterOperator.NotIn, [.. f.Values]),
            DatasetFilter.Types.Operator.IsEmpty => new MetricFilter(f.Column, FilterOperator.IsEmpty, []),
            DatasetFilter.Types.Operator.NotEmpty => new MetricFilter(f.Column, FilterOperator.NotEmpty, []),
            _ => throw new RpcException(new Status(StatusCode.InvalidArgument,
                $"The filter on '{f.Column}'{owner} has no operator: use EQUALS, NOT_EQUALS, IN, NOT_IN, IS_EMPTY or NOT_EMPTY.")),
        }).ToList();
}
