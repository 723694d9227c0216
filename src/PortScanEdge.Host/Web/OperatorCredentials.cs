using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace PortScanEdge.Host.Web;

/// <summary>What a signed-in person may do at the console.</summary>
public enum OperatorRole
{
    /// <summary>Releases and refers vehicles the machine did not refer.</summary>
    Operator,

    /// <summary>Everything an operator may do, and authorises overrides.</summary>
    Supervisor,
}

/// <summary>One entry of the credentials file.</summary>
/// <param name="OperatorId">The operator id (letters, digits, '.', '_', '-'; 1..32 characters).</param>
/// <param name="Role">The role.</param>
/// <param name="Iterations">PBKDF2-SHA256 iteration count.</param>
/// <param name="Salt">Random salt, 16 bytes.</param>
/// <param name="Hash">PBKDF2-SHA256 of the PIN, 32 bytes.</param>
public sealed record OperatorCredential(string OperatorId, OperatorRole Role, int Iterations, byte[] Salt, byte[] Hash);

/// <summary>
/// The operator credentials file: one line per person, <c>id:role:pbkdf2-sha256:iterations:salt-base64:hash-base64</c>,
/// '#' starts a comment. Kept apart from the main config so the config can be shared without the PIN hashes.
/// PINs are short, so the hashes only slow down an attacker who has the file; sign-in rate limiting
/// (<see cref="SignInThrottle"/>) is what protects the running console.
/// </summary>
public sealed class OperatorCredentials
{
    /// <summary>Iterations for new entries (OWASP 2023 guidance for PBKDF2-HMAC-SHA256).</summary>
    public const int DefaultIterations = 600_000;

    /// <summary>Shortest PIN accepted.</summary>
    public const int MinimumPinLength = 4;

    /// <summary>Longest PIN accepted.</summary>
    public const int MaximumPinLength = 32;

    private const string Algorithm = "pbkdf2-sha256";
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    // A fixed entry to verify against for unknown ids, so an unknown id costs as much time as a wrong PIN.
    private static readonly Lazy<OperatorCredential> Decoy = new(() => Create("decoy", OperatorRole.Operator, "0000"));

    private readonly Dictionary<string, OperatorCredential> _entries;

    private OperatorCredentials(Dictionary<string, OperatorCredential> entries) => _entries = entries;

    /// <summary>An empty set: nobody can sign in.</summary>
    public static OperatorCredentials Empty { get; } = new(new Dictionary<string, OperatorCredential>(StringComparer.Ordinal));

    /// <summary>The entries, by id.</summary>
    public IReadOnlyCollection<OperatorCredential> Entries => _entries.Values;

    /// <summary>True when <paramref name="operatorId"/> is well formed.</summary>
    public static bool IsValidOperatorId(string? operatorId)
    {
        if (string.IsNullOrEmpty(operatorId) || operatorId.Length > 32)
        {
            return false;
        }

        foreach (var c in operatorId)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True when <paramref name="pin"/> is 4..32 ASCII digits.</summary>
    public static bool IsValidPin(string? pin) =>
        pin is { Length: >= MinimumPinLength and <= MaximumPinLength } && pin.All(char.IsAsciiDigit);

    /// <summary>Makes a new entry with a fresh random salt.</summary>
    public static OperatorCredential Create(string operatorId, OperatorRole role, string pin, int iterations = DefaultIterations)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        return new OperatorCredential(operatorId, role, iterations, salt, Derive(pin, salt, iterations));
    }

    /// <summary>Parses the file's text; problems name the line.</summary>
    public static OperatorCredentials Parse(string text, out IReadOnlyList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(text);
        var found = new List<string>();
        var entries = new Dictionary<string, OperatorCredential>(StringComparer.Ordinal);
        var lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var parts = line.Split(':');
            if (parts.Length != 6)
            {
                found.Add($"line {lineNumber}: expected id:role:{Algorithm}:iterations:salt:hash");
                continue;
            }

            if (!IsValidOperatorId(parts[0]))
            {
                found.Add($"line {lineNumber}: operator id '{parts[0]}' must be 1..32 letters, digits, '.', '_' or '-'");
                continue;
            }

            if (!Enum.TryParse<OperatorRole>(parts[1], ignoreCase: true, out var role) || !Enum.IsDefined(role) || parts[1].Any(char.IsAsciiDigit))
            {
                found.Add($"line {lineNumber}: role '{parts[1]}' must be operator or supervisor");
                continue;
            }

            if (parts[2] != Algorithm)
            {
                found.Add($"line {lineNumber}: algorithm '{parts[2]}' is not {Algorithm}");
                continue;
            }

            if (!int.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) || iterations < 1_000 || iterations > 10_000_000)
            {
                found.Add($"line {lineNumber}: iterations '{parts[3]}' must be 1000..10000000");
                continue;
            }

            if (!TryBase64(parts[4], SaltBytes, out var salt) || !TryBase64(parts[5], HashBytes, out var hash))
            {
                found.Add($"line {lineNumber}: salt must be {SaltBytes} and hash {HashBytes} bytes of base64");
                continue;
            }

            if (!entries.TryAdd(parts[0], new OperatorCredential(parts[0], role, iterations, salt, hash)))
            {
                found.Add($"line {lineNumber}: operator id '{parts[0]}' appears twice");
            }
        }

        problems = found;
        return new OperatorCredentials(entries);
    }

    /// <summary>Reads the file; a missing file is an empty set.</summary>
    public static OperatorCredentials Load(string path, out IReadOnlyList<string> problems)
    {
        if (!File.Exists(path))
        {
            problems = [$"{path}: no such file; nobody can sign in"];
            return Empty;
        }

        var credentials = Parse(File.ReadAllText(path), out var found);
        problems = [.. found.Select(p => path + ": " + p)];
        return credentials;
    }

    /// <summary>The line written to the file for <paramref name="credential"/>.</summary>
    public static string Format(OperatorCredential credential)
    {
        ArgumentNullException.ThrowIfNull(credential);
        return string.Join(':',
            credential.OperatorId,
            credential.Role.ToString().ToLowerInvariant(),
            Algorithm,
            credential.Iterations.ToString(CultureInfo.InvariantCulture),
            Convert.ToBase64String(credential.Salt),
            Convert.ToBase64String(credential.Hash));
    }

    /// <summary>
    /// Checks an id and PIN. Returns the entry when they match, else null. Takes about as long for an unknown id
    /// as for a wrong PIN and compares in constant time.
    /// </summary>
    public OperatorCredential? Verify(string operatorId, string pin)
    {
        if (!IsValidOperatorId(operatorId) || !IsValidPin(pin))
        {
            return null;
        }

        var known = _entries.TryGetValue(operatorId, out var entry);
        var candidate = entry ?? Decoy.Value;
        var derived = Derive(pin, candidate.Salt, candidate.Iterations);
        return CryptographicOperations.FixedTimeEquals(derived, candidate.Hash) && known ? entry : null;
    }

    private static byte[] Derive(string pin, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(pin), salt, iterations, HashAlgorithmName.SHA256, HashBytes);

    private static bool TryBase64(string text, int length, out byte[] bytes)
    {
        bytes = new byte[length];
        return Convert.TryFromBase64String(text, bytes, out var written) && written == length;
    }
}
