using System.Text.RegularExpressions;

namespace PortScanEdge.Core.Configuration;

/// <summary>
/// A secret named by reference, never written inline in the config file:
/// <c>${ENV_NAME}</c> (an environment variable) or <c>file:/absolute/path</c> (a file whose whole content,
/// without a trailing newline, is the secret — keep it 0600).
/// </summary>
public sealed partial class SecretReference
{
    private SecretReference(bool isEnvironment, string name)
    {
        IsEnvironment = isEnvironment;
        Name = name;
    }

    /// <summary>True for <c>${ENV_NAME}</c>, false for <c>file:/path</c>.</summary>
    public bool IsEnvironment { get; }

    /// <summary>The environment variable name or the file path.</summary>
    public string Name { get; }

    /// <summary>Parses a reference; returns false with a reason for anything else, including inline secrets.</summary>
    public static bool TryParse(string text, out SecretReference? reference, out string error)
    {
        reference = null;
        var envMatch = EnvironmentPattern().Match(text);
        if (envMatch.Success)
        {
            reference = new SecretReference(true, envMatch.Groups[1].Value);
            error = string.Empty;
            return true;
        }

        if (text.StartsWith("file:", StringComparison.Ordinal))
        {
            var path = text[5..];
            if (!Path.IsPathRooted(path))
            {
                error = $"'file:' secret references need an absolute path, got '{path}'";
                return false;
            }

            reference = new SecretReference(false, path);
            error = string.Empty;
            return true;
        }

        error = "secrets must not be written inline; use ${ENV_NAME} or file:/absolute/path";
        return false;
    }

    /// <summary>Reads the secret; returns false with a reason when the variable is unset or the file unreadable.</summary>
    public bool TryResolve(out string value, out string error)
    {
        if (IsEnvironment)
        {
            var env = Environment.GetEnvironmentVariable(Name);
            if (string.IsNullOrEmpty(env))
            {
                value = string.Empty;
                error = $"environment variable {Name} is not set";
                return false;
            }

            value = env;
            error = string.Empty;
            return true;
        }

        try
        {
            var info = new FileInfo(Name);
            if (!info.Exists)
            {
                value = string.Empty;
                error = $"secret file {Name} does not exist";
                return false;
            }

            if (info.Length > 64 * 1024)
            {
                value = string.Empty;
                error = $"secret file {Name} is larger than 64 KiB";
                return false;
            }

            value = File.ReadAllText(Name).TrimEnd('\r', '\n');
            error = string.Empty;
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            value = string.Empty;
            error = $"secret file {Name} cannot be read: {ex.Message}";
            return false;
        }
    }

    /// <inheritdoc />
    public override string ToString() => IsEnvironment ? "${" + Name + "}" : "file:" + Name;

    [GeneratedRegex(@"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")]
    private static partial Regex EnvironmentPattern();
}
