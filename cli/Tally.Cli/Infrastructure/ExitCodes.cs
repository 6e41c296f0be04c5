using Tally.Grpc;

namespace Tally.Cli.Infrastructure;

/// <summary>
/// The CLI's exit codes: 0 success, 1 any other failure, 2 a request the user can fix (bad arguments, unknown
/// ids, a file that does not exist), 3 the server could not be reached.
/// </summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failure = 1;
    public const int UserError = 2;
    public const int Unavailable = 3;

    public static int FromStatus(StatusCode code) => code switch
    {
        StatusCode.OK => Ok,
        StatusCode.InvalidArgument or StatusCode.NotFound or StatusCode.AlreadyExists or StatusCode.FailedPrecondition
            or StatusCode.OutOfRange or StatusCode.ResourceExhausted or StatusCode.Unauthenticated or StatusCode.PermissionDenied => UserError,
        StatusCode.Unavailable => Unavailable,
        _ => Failure,
    };

    /// <summary>The status code's canonical name as gRPC spells it: INVALID_ARGUMENT, NOT_FOUND, ….</summary>
    public static string StatusName(StatusCode code) => code switch
    {
        StatusCode.OK => "OK",
        StatusCode.Cancelled => "CANCELLED",
        StatusCode.Unknown => "UNKNOWN",
        StatusCode.InvalidArgument => "INVALID_ARGUMENT",
        StatusCode.DeadlineExceeded => "DEADLINE_EXCEEDED",
        StatusCode.NotFound => "NOT_FOUND",
        StatusCode.AlreadyExists => "ALREADY_EXISTS",
        StatusCode.PermissionDenied => "PERMISSION_DENIED",
        StatusCode.ResourceExhausted => "RESOURCE_EXHAUSTED",
        StatusCode.FailedPrecondition => "FAILED_PRECONDITION",
        StatusCode.Aborted => "ABORTED",
        StatusCode.OutOfRange => "OUT_OF_RANGE",
        StatusCode.Unimplemented => "UNIMPLEMENTED",
        StatusCode.Internal => "INTERNAL",
        StatusCode.Unavailable => "UNAVAILABLE",
        StatusCode.DataLoss => "DATA_LOSS",
        StatusCode.Unauthenticated => "UNAUTHENTICATED",
        _ => ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
