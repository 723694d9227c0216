namespace PortScanEdge.Core.Configuration;

/// <summary>
/// One thing wrong with a configuration file, located precisely enough for a technician to fix it.
/// </summary>
/// <param name="File">The file as the user named it.</param>
/// <param name="Line">1-based line, or 0 when the problem concerns the whole file.</param>
/// <param name="Column">1-based column, or 0 when the problem concerns the whole file.</param>
/// <param name="Path">Key path such as <c>lanes[1].devices.scanner</c>; empty for file-level problems.</param>
/// <param name="Message">What is wrong, in words a technician understands.</param>
public sealed record ConfigProblem(string File, int Line, int Column, string Path, string Message)
{
    /// <summary>Formats as <c>FILE:LINE:COLUMN: key.path: message</c>.</summary>
    public override string ToString()
    {
        var location = Line > 0 ? $"{File}:{Line}:{Column}" : File;
        return Path.Length > 0 ? $"{location}: {Path}: {Message}" : $"{location}: {Message}";
    }
}

/// <summary>The outcome of loading a configuration file: options when valid, otherwise every problem found.</summary>
public sealed class ConfigLoadResult
{
    internal ConfigLoadResult(PortScanEdgeOptions? options, IReadOnlyList<ConfigProblem> problems, string? fullPath, IReadOnlyList<ConfigProblem>? warnings = null)
    {
        Options = problems.Count == 0 ? options : null;
        Problems = problems;
        Warnings = warnings ?? [];
        FullPath = fullPath;
    }

    /// <summary>Things that are not wrong in the file but will stop the gateway where it runs (e.g. an unset secret variable).</summary>
    public IReadOnlyList<ConfigProblem> Warnings { get; }

    /// <summary>The bound and validated options; null when <see cref="Problems"/> is not empty.</summary>
    public PortScanEdgeOptions? Options { get; }

    /// <summary>Every problem found, in file order.</summary>
    public IReadOnlyList<ConfigProblem> Problems { get; }

    /// <summary>The absolute path of the file that was read, when it could be resolved.</summary>
    public string? FullPath { get; }

    /// <summary>True when the file is valid and <see cref="Options"/> is set.</summary>
    public bool IsValid => Options is not null;
}

/// <summary>What the configuration is loaded for.</summary>
public enum ConfigPurpose
{
    /// <summary>Checking a file (<c>validate</c>): secrets that do not resolve here are warnings.</summary>
    Validate,

    /// <summary>Starting the gateway: secrets must resolve.</summary>
    Run,
}
