using System.Security.Cryptography;

namespace PortScanEdge.Integrity.Audit;

/// <summary>A key file or public key that cannot be used, said plainly.</summary>
public sealed class AuditKeyException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// An ECDSA P-256 public key that verifies audit entries and checkpoints. Its fingerprint is the lower-case hex
/// SHA-256 of its DER SubjectPublicKeyInfo (<c>openssl pkey -pubin -outform DER | sha256sum</c>).
/// </summary>
public sealed class AuditPublicKey : IDisposable
{
    /// <summary>Largest PEM file read.</summary>
    public const int MaxPemBytes = 64 * 1024;

    private const string P256Oid = "1.2.840.10045.3.1.7";
    private readonly ECDsa _key;

    private AuditPublicKey(ECDsa key)
    {
        _key = key;
        var spki = key.ExportSubjectPublicKeyInfo();
        Fingerprint = AuditEntryFormat.Sha256Hex(spki);
        Pem = key.ExportSubjectPublicKeyInfoPem() + "\n";
    }

    /// <summary>The key as a <c>PUBLIC KEY</c> PEM block.</summary>
    public string Pem { get; }

    /// <summary>Lower-case hex SHA-256 of the DER SubjectPublicKeyInfo.</summary>
    public string Fingerprint { get; }

    /// <summary>Reads a <c>PUBLIC KEY</c> PEM; throws <see cref="AuditKeyException"/> for anything else, or a curve other than P-256.</summary>
    public static AuditPublicKey FromPem(string pem)
    {
        ArgumentNullException.ThrowIfNull(pem);
        if (pem.Length > MaxPemBytes)
        {
            throw new AuditKeyException($"the public key is larger than {MaxPemBytes} bytes");
        }

        var key = ECDsa.Create();
        try
        {
            if (!pem.Contains("-----BEGIN PUBLIC KEY-----", StringComparison.Ordinal))
            {
                throw new AuditKeyException("not a PEM 'PUBLIC KEY' block");
            }

            key.ImportFromPem(pem);
            RequireP256(key);
            return new AuditPublicKey(key);
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            key.Dispose();
            throw new AuditKeyException("not a readable ECDSA public key: " + ex.Message, ex);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>Reads a public key PEM file (at most <see cref="MaxPemBytes"/>).</summary>
    public static AuditPublicKey FromFile(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                throw new AuditKeyException($"{path}: no such file");
            }

            if (info.Length > MaxPemBytes)
            {
                throw new AuditKeyException($"{path}: larger than {MaxPemBytes} bytes; not a public key");
            }

            return FromPem(File.ReadAllText(path));
        }
        catch (AuditKeyException ex) when (!ex.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new AuditKeyException($"{path}: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new AuditKeyException($"{path}: cannot be read: {ex.Message}", ex);
        }
    }

    internal static AuditPublicKey FromKey(ECDsa privateKey)
    {
        var copy = ECDsa.Create();
        copy.ImportSubjectPublicKeyInfo(privateKey.ExportSubjectPublicKeyInfo(), out _);
        return new AuditPublicKey(copy);
    }

    /// <summary>True when <paramref name="base64Signature"/> (DER) is a valid signature of <paramref name="data"/>.</summary>
    public bool Verify(ReadOnlySpan<byte> data, string base64Signature)
    {
        Span<byte> signature = stackalloc byte[160];
        if (!Convert.TryFromBase64String(base64Signature, signature, out var length))
        {
            return false;
        }

        try
        {
            return _key.VerifyData(data, signature[..length], HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _key.Dispose();

    internal static void RequireP256(ECDsa key)
    {
        var curve = key.ExportParameters(false).Curve;
        if (key.KeySize != 256 || (curve.Oid?.Value is { } oid && oid != P256Oid) ||
            (curve.Oid?.Value is null && curve.Oid?.FriendlyName is not ("nistP256" or "ECDSA_P256" or "secp256r1")))
        {
            throw new AuditKeyException($"the key is not on curve P-256 (key size {key.KeySize}, curve {curve.Oid?.FriendlyName ?? curve.Oid?.Value ?? "unknown"})");
        }
    }
}

/// <summary>
/// The gateway's ECDSA P-256 signing key: created on first start with 0600 permissions (PKCS#8 PEM, encrypted
/// with AES-256 when a passphrase is configured), refused when group or others can read it.
/// </summary>
public sealed class AuditSigningKey : IDisposable
{
    private readonly ECDsa _key;

    private AuditSigningKey(ECDsa key, bool created)
    {
        _key = key;
        Created = created;
        PublicKey = AuditPublicKey.FromKey(key);
    }

    /// <summary>True when this start created the key.</summary>
    public bool Created { get; }

    /// <summary>The public half.</summary>
    public AuditPublicKey PublicKey { get; }

    /// <summary>Where the public key is written beside the key file (<c>gateway-key.pem</c> → <c>gateway-key.pub.pem</c>).</summary>
    public static string PublicKeyPath(string keyPath) =>
        Path.Combine(Path.GetDirectoryName(keyPath) ?? ".", Path.GetFileNameWithoutExtension(keyPath) + ".pub.pem");

    /// <summary>Loads the key, or creates it (0600) when the file does not exist.</summary>
    public static AuditSigningKey LoadOrCreate(string path, string? passphrase)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (File.Exists(path))
        {
            return Load(path, passphrase);
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        try
        {
            var pem = string.IsNullOrEmpty(passphrase)
                ? key.ExportPkcs8PrivateKeyPem()
                : key.ExportEncryptedPkcs8PrivateKeyPem(passphrase, new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 600_000));
            var temporary = path + ".tmp-" + Environment.ProcessId;
            File.Delete(temporary);
            using (var stream = new FileStream(temporary, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            }))
            {
                stream.Write(System.Text.Encoding.ASCII.GetBytes(pem + "\n"));
                stream.Flush(flushToDisk: true);
            }

            // Never replace a key that appeared meanwhile: a second process must not sign with a different key.
            File.Move(temporary, path, overwrite: false);
            DirectorySync.Fsync(directory);
            var signing = new AuditSigningKey(key, created: true);
            File.WriteAllText(PublicKeyPath(path), signing.PublicKey.Pem);
            return signing;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            key.Dispose();
            throw new AuditKeyException($"{path}: the audit key cannot be created: {ex.Message}", ex);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>Loads an existing key file.</summary>
    public static AuditSigningKey Load(string path, string? passphrase)
    {
        string pem;
        try
        {
            var mode = File.GetUnixFileMode(path);
            const UnixFileMode groupOrOthers = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
                                               UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
            if ((mode & groupOrOthers) != 0)
            {
                throw new AuditKeyException($"{path}: the audit key is accessible to group or others (mode {Convert.ToString((int)mode, 8)}); run 'chmod 600 {path}'");
            }

            if (new FileInfo(path).Length > AuditPublicKey.MaxPemBytes)
            {
                throw new AuditKeyException($"{path}: larger than {AuditPublicKey.MaxPemBytes} bytes; not an audit key");
            }

            pem = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new AuditKeyException($"{path}: the audit key cannot be read: {ex.Message}", ex);
        }

        var key = ECDsa.Create();
        try
        {
            if (pem.Contains("-----BEGIN ENCRYPTED PRIVATE KEY-----", StringComparison.Ordinal))
            {
                if (string.IsNullOrEmpty(passphrase))
                {
                    throw new AuditKeyException($"{path}: the audit key is encrypted but audit.key_passphrase is not set");
                }

                key.ImportFromEncryptedPem(pem, passphrase);
            }
            else
            {
                key.ImportFromPem(pem);
            }

            AuditPublicKey.RequireP256(key);
            return new AuditSigningKey(key, created: false);
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            key.Dispose();
            throw new AuditKeyException($"{path}: not a usable ECDSA P-256 private key (wrong passphrase?): {ex.Message}", ex);
        }
        catch (AuditKeyException ex)
        {
            key.Dispose();
            throw ex.Message.StartsWith(path, StringComparison.Ordinal) ? ex : new AuditKeyException($"{path}: {ex.Message}", ex);
        }
    }

    /// <summary>Signs <paramref name="data"/> (ECDSA P-256, SHA-256, DER), returned as base64.</summary>
    public string Sign(ReadOnlySpan<byte> data) =>
        Convert.ToBase64String(_key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));

    /// <inheritdoc />
    public void Dispose()
    {
        PublicKey.Dispose();
        _key.Dispose();
    }
}
