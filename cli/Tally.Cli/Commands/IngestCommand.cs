using System.CommandLine;
using Tally.Cli.Infrastructure;

namespace Tally.Cli.Commands;

/// <summary>tally ingest document|dataset — uploads to the ingestion service.</summary>
internal static class IngestCommand
{
    public static Command Create(CliContext context) =>
        new("ingest", "Store a document or a dataset as an immutable snapshot")
        {
            IngestDocumentCommand.Create(context),
            IngestDatasetCommand.Create(context),
        };

    /// <summary>The file, or a usage error naming it when it does not exist.</summary>
    public static FileInfo ExistingFile(FileInfo? file, string what)
    {
        if (file is null || !file.Exists)
        {
            throw new CliUsageException($"{what} '{file?.FullName}' does not exist");
        }
        return file;
    }
}
