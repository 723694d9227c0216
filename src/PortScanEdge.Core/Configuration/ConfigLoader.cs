using System.Text;

namespace PortScanEdge.Core.Configuration;

/// <summary>
/// Loads the gateway's YAML configuration with every check a technician needs: the file itself (missing,
/// unreadable, empty, binary, too large), YAML syntax, unknown keys, value types and ranges, and cross-field
/// rules. Every problem is reported with file, line and column; nothing is half-loaded.
/// </summary>
public static class ConfigLoader
{
    /// <summary>Largest config file accepted. Real sites need a few kilobytes.</summary>
    public const int MaxFileBytes = 1024 * 1024;

    /// <summary>Loads and validates a config file.</summary>
    /// <param name="path">The file as the user named it; messages name it the same way.</param>
    /// <param name="purpose">Whether secrets must resolve (running) or may only warn (validating).</param>
    public static ConfigLoadResult LoadFile(string path, ConfigPurpose purpose = ConfigPurpose.Run)
    {
        var problems = new List<ConfigProblem>();
        string fullPath;
        try
        {
            fullPath = Path.GetFullPath(path);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return Fail(path, $"'{path}' is not a usable file path: {ex.Message}", null);
        }

        if (Directory.Exists(fullPath))
        {
            return Fail(path, "is a directory, not a config file", fullPath);
        }

        byte[] bytes;
        try
        {
            var info = new FileInfo(fullPath);
            if (!info.Exists)
            {
                return Fail(path, "file not found", fullPath);
            }

            if (info.Length > MaxFileBytes)
            {
                return Fail(path, $"is {info.Length / 1024.0 / 1024.0:0.0} MiB; config files are limited to 1 MiB", fullPath);
            }

            using var stream = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read);
            bytes = new byte[MaxFileBytes + 1];
            var total = 0;
            int read;
            while (total < bytes.Length && (read = stream.Read(bytes, total, bytes.Length - total)) > 0)
            {
                total += read;
            }

            // The file may have grown since we looked (or be a device such as /dev/zero).
            if (total > MaxFileBytes)
            {
                return Fail(path, "is larger than 1 MiB; config files are limited to 1 MiB", fullPath);
            }

            Array.Resize(ref bytes, total);
        }
        catch (UnauthorizedAccessException)
        {
            return Fail(path, "cannot be read: permission denied", fullPath);
        }
        catch (IOException ex)
        {
            return Fail(path, $"cannot be read: {ex.Message}", fullPath);
        }

        var result = LoadText(bytes, path, Path.GetDirectoryName(fullPath)!, purpose);
        return new ConfigLoadResult(result.Options, result.Problems, fullPath, result.Warnings);
    }

    /// <summary>Loads and validates configuration bytes (UTF-8 YAML).</summary>
    /// <param name="bytes">The file content.</param>
    /// <param name="displayName">The name used in messages.</param>
    /// <param name="configDirectory">Directory that relative paths are resolved against.</param>
    /// <param name="purpose">Whether secrets must resolve (running) or may only warn (validating).</param>
    public static ConfigLoadResult LoadText(ReadOnlySpan<byte> bytes, string displayName, string configDirectory, ConfigPurpose purpose = ConfigPurpose.Run)
    {
        var nul = bytes.IndexOf((byte)0);
        if (nul >= 0)
        {
            return Fail(displayName, $"is not a text file (binary content at byte {nul}); expected a YAML config", null);
        }

        string text;
        try
        {
            text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException ex)
        {
            return Fail(displayName, $"is not UTF-8 text (invalid byte at offset {ex.Index}); save the config as UTF-8", null);
        }

        if (text.Length > 0 && text[0] == '\uFEFF')
        {
            text = text[1..];
        }

        var problems = new List<ConfigProblem>();
        if (IsBlank(text))
        {
            problems.Add(new ConfigProblem(displayName, 0, 0, string.Empty,
                "is empty; start from deploy/config/example.yaml"));
            return new ConfigLoadResult(null, problems, null);
        }

        if (FindTabIndentation(text, displayName, problems))
        {
            return new ConfigLoadResult(null, problems, null);
        }

        var root = YamlTree.Parse(text, displayName, problems);
        if (root is null)
        {
            if (problems.Count == 0)
            {
                problems.Add(new ConfigProblem(displayName, 0, 0, string.Empty, "is empty; start from deploy/config/example.yaml"));
            }

            return new ConfigLoadResult(null, problems, null);
        }

        var warnings = new List<ConfigProblem>();
        var binder = new ConfigBinder(displayName);
        var options = binder.Bind<PortScanEdgeOptions>(root);
        problems.AddRange(binder.Problems);
        if (options is not null)
        {
            options.ConfigDirectory = configDirectory;

            // Value rules always run, so a technician sees every mistake in one pass; rules that follow
            // references between sections run only on a structurally clean file, where a value that failed
            // to bind cannot make them report the same mistake again in other words.
            var (crossFieldProblems, crossFieldWarnings) = ConfigValidator.Validate(
                displayName, options, binder.Locations, purpose == ConfigPurpose.Run, structureIsClean: problems.Count == 0);
            problems.AddRange(crossFieldProblems);
            warnings.AddRange(crossFieldWarnings);
        }

        problems.Sort((a, b) => a.Line != b.Line ? a.Line.CompareTo(b.Line) : a.Column.CompareTo(b.Column));
        return new ConfigLoadResult(options, problems, null, warnings);
    }

    private static bool IsBlank(string text)
    {
        foreach (var line in text.Split('\n'))
        {
            var trimmed = line.Trim();
            if (trimmed.Length > 0 && !trimmed.StartsWith('#') && trimmed != "---" && trimmed != "...")
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>YAML forbids tabs in indentation; YamlDotNet's message for it is cryptic, so we say it plainly.</summary>
    private static bool FindTabIndentation(string text, string displayName, List<ConfigProblem> problems)
    {
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            for (var c = 0; c < line.Length && (line[c] == ' ' || line[c] == '\t'); c++)
            {
                if (line[c] == '\t')
                {
                    problems.Add(new ConfigProblem(displayName, i + 1, c + 1, string.Empty,
                        "tab character in indentation; YAML indentation must use spaces"));
                    break;
                }
            }
        }

        return problems.Count > 0;
    }

    private static ConfigLoadResult Fail(string displayName, string message, string? fullPath) =>
        new(null, [new ConfigProblem(displayName, 0, 0, string.Empty, message)], fullPath);
}
