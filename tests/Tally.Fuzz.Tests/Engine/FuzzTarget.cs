namespace Tally.Fuzz.Tests.Engine;

/// <summary>
/// One parser under fuzz: how to run an input, which failures are the documented clean errors, where inputs come
/// from (seed corpus, FsCheck generator, structure-aware mutator) and how expensive one input is.
/// </summary>
internal sealed class FuzzTarget
{
    /// <summary>Folder name under Regressions/ and in the output ("csv", "grpc").</summary>
    public required string Name { get; init; }

    /// <summary>Runs one input. Returns normally for a success; throws for any error (clean or not).</summary>
    public required Func<byte[], CancellationToken, Task> Run { get; init; }

    /// <summary>
    /// The oracle for an exception: null when it is one of the target's documented clean errors (with a message a
    /// person can act on), otherwise why it is a bug. <see cref="OracleViolation"/> and crash types are always bugs.
    /// </summary>
    public required Func<Exception, string?> Classify { get; init; }

    /// <summary>Small, valid (or nearly valid) inputs written for this target, plus any extra seeds read at run time.</summary>
    public required IReadOnlyList<byte[]> Seeds { get; init; }

    public Dictionary Dictionary { get; init; } = new();

    /// <summary>A fresh input from an FsCheck generator, given a seed (null: mutation only).</summary>
    public Func<ulong, byte[]>? Generate { get; init; }

    /// <summary>How often (one in N) an iteration takes a generated input instead of a mutant.</summary>
    public int GenerateOneIn { get; init; } = 4;

    /// <summary>A format-aware mutator (frames, zip parts, catalog files); when set, it makes every mutant but one in <see cref="PlainOneIn"/>.</summary>
    public Func<byte[], FuzzRandom, IReadOnlyList<byte[]>, byte[]>? Mutate { get; init; }

    /// <summary>With <see cref="Mutate"/>: one mutant in this many is a plain byte mutant (default 2).</summary>
    public int PlainOneIn { get; init; } = 2;

    /// <summary>Relative cost of one input: the iterations of a run are TALLY_FUZZ_ITERATIONS / Cost.</summary>
    public double Cost { get; init; } = 1;

    /// <summary>Inputs are text (print them escaped) rather than binary (print hex).</summary>
    public bool IsText { get; init; } = true;

    /// <summary>Checked every 100 inputs and at the end (e.g. "the server still answers"); throws when it does not hold.</summary>
    public Func<Task>? Probe { get; init; }

    /// <summary>Shows an input in a failure report; the default prints text escaped or bytes as hex.</summary>
    public Func<byte[], string>? Describe { get; init; }
}

/// <summary>
/// How a successful input ended, as a target wants it counted ("grpc-status 13", "http 415"): the runner reports the
/// counts and keeps inputs that reach a new outcome as parents for more mutants. Inputs run one at a time.
/// </summary>
internal static class FuzzOutcome
{
    // The runner puts a fresh box here before each input; the input's task inherits it (tests of other targets may run
    // in parallel, each with its own box), writes its label into it, and the runner reads it back.
    private static readonly AsyncLocal<System.Runtime.CompilerServices.StrongBox<string?>?> Box = new();

    public static void Note(string label)
    {
        if (Box.Value is { } box)
        {
            box.Value = label;
        }
    }

    internal static System.Runtime.CompilerServices.StrongBox<string?> Begin() => Box.Value = new System.Runtime.CompilerServices.StrongBox<string?>();
}

/// <summary>The oracle saw something wrong that is not an exception of the code under test (e.g. a response with no gRPC status).</summary>
internal sealed class OracleViolation(string message) : Exception(message);

/// <summary>Helpers for writing a target's <see cref="FuzzTarget.Classify"/>.</summary>
internal static class Clean
{
    /// <summary>Exceptions that are never a clean error, whatever a target documents.</summary>
    private static readonly Type[] AlwaysBugs =
    [
        typeof(NullReferenceException), typeof(IndexOutOfRangeException), typeof(InvalidCastException), typeof(KeyNotFoundException),
        typeof(DivideByZeroException), typeof(OverflowException), typeof(InsufficientExecutionStackException), typeof(OutOfMemoryException),
        typeof(AccessViolationException), typeof(ArrayTypeMismatchException), typeof(NotImplementedException),
    ];

    /// <summary>Clean when <paramref name="e"/> is one of <paramref name="documented"/> and carries a message.</summary>
    public static string? Only(Exception e, params Type[] documented)
    {
        if (e is OracleViolation)
        {
            return e.Message;
        }
        if (AlwaysBugs.Any(t => t.IsInstanceOfType(e)))
        {
            return $"{e.GetType().Name} is never a clean error";
        }
        if (!documented.Any(t => t.IsInstanceOfType(e)))
        {
            return documented.Length == 0
                ? $"this parser documents no errors, but it threw {e.GetType().Name}"
                : $"{e.GetType().Name} is not among the documented errors ({string.Join(", ", documented.Select(t => t.Name))})";
        }
        return string.IsNullOrWhiteSpace(e.Message) ? $"{e.GetType().Name} without a message a person can act on" : null;
    }

    /// <summary>For parsers documented never to throw on any text.</summary>
    public static string? Never(Exception e) => Only(e);
}
