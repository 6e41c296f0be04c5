using System.Security.Cryptography;
using Google.Protobuf;
using Tally.Definitions.V1;

namespace Tally.Definitions.Model;

/// <summary>
/// Content hash of a definition: SHA-256 of its protobuf bytes with the registry's own fields (version,
/// updated_at, updated_by, change_note) cleared. Two definitions with the same hash mean the same thing.
/// </summary>
public static class DefinitionHash
{
    public static string Compute(MetricDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var content = Content(definition);
        return Convert.ToHexStringLower(SHA256.HashData(content.ToByteArray()));
    }

    /// <summary>A copy without the registry's own fields.</summary>
    public static MetricDefinition Content(MetricDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var content = definition.Clone();
        content.Version = 0;
        content.UpdatedAt = null;
        content.UpdatedBy = string.Empty;
        content.ChangeNote = string.Empty;
        return content;
    }
}
