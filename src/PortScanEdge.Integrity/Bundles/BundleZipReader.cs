using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;

namespace PortScanEdge.Integrity.Bundles;

/// <summary>
/// Reads a bundle zip defensively: the central directory is sized before it is parsed, every name is checked
/// (no absolute paths, '..', backslashes, hidden segments or duplicates), every read is bounded by the file's
/// limit and by a total, whatever the zip headers claim. Any violation is a <see cref="BundleFormatException"/>.
/// </summary>
internal sealed class BundleZipReader : IDisposable
{
    private readonly FileStream _file;
    private readonly ZipArchive _zip;
    private readonly Dictionary<string, ZipArchiveEntry> _entries;
    private readonly Dictionary<string, (string, long)> _hashes = new(StringComparer.Ordinal);
    private long _totalRead;

    private BundleZipReader(FileStream file, ZipArchive zip, Dictionary<string, ZipArchiveEntry> entries)
    {
        _file = file;
        _zip = zip;
        _entries = entries;
    }

    public IReadOnlyCollection<string> Paths => _entries.Keys;

    public static BundleZipReader Open(string path)
    {
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BundleFormatException($"cannot be read: {ex.Message}", ex);
        }

        try
        {
            if (file.Length > BundleFormat.MaxBundleBytes)
            {
                throw new BundleFormatException($"the file is {file.Length} bytes; bundles larger than {BundleFormat.MaxBundleBytes} bytes are refused");
            }

            CheckCentralDirectory(file);
            file.Position = 0;
            ZipArchive zip;
            try
            {
                zip = new ZipArchive(file, ZipArchiveMode.Read, leaveOpen: true);
            }
            catch (InvalidDataException ex)
            {
                throw new BundleFormatException($"not a readable zip file: {ex.Message}", ex);
            }

            var entries = new Dictionary<string, ZipArchiveEntry>(StringComparer.Ordinal);
            try
            {
                foreach (var entry in zip.Entries)
                {
                    var name = entry.FullName;
                    if (name.EndsWith('/') && entry.Length == 0)
                    {
                        continue; // a directory entry
                    }

                    CheckName(name);
                    if (!entries.TryAdd(name, entry))
                    {
                        throw new BundleFormatException($"the zip holds '{name}' twice; a bundle must name each file once");
                    }
                }
            }
            catch
            {
                zip.Dispose();
                throw;
            }

            return new BundleZipReader(file, zip, entries);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    public bool Contains(string path) => _entries.ContainsKey(path);

    /// <summary>Reads a whole (small) file, at most <paramref name="maxBytes"/>.</summary>
    public byte[] ReadAll(string path, long maxBytes)
    {
        using var buffer = new MemoryStream();
        Read(path, maxBytes, chunk => buffer.Write(chunk));
        return buffer.ToArray();
    }

    /// <summary>SHA-256 and size of a file, read in full (at most <paramref name="maxBytes"/>).</summary>
    public (string Sha256, long Size) Hash(string path, long maxBytes)
    {
        if (_hashes.TryGetValue(path, out var known))
        {
            return known;
        }

        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var size = Read(path, maxBytes, chunk => sha.AppendData(chunk));
        var result = (Convert.ToHexStringLower(sha.GetHashAndReset()), size);
        _hashes[path] = result;
        return result;
    }

    /// <summary>Reads a file in chunks; returns its size.</summary>
    public long Read(string path, long maxBytes, ReadOnlySpanAction sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (!_entries.TryGetValue(path, out var entry))
        {
            throw new BundleFormatException($"{path} is missing");
        }

        if (entry.Length > maxBytes)
        {
            throw new BundleFormatException($"{path} declares {entry.Length} bytes; at most {maxBytes} are accepted");
        }

        long size = 0;
        var buffer = new byte[1 << 16];
        try
        {
            using var stream = entry.Open();
            int read;
            while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                size += read;
                _totalRead += read;
                if (size > maxBytes)
                {
                    throw new BundleFormatException($"{path} is larger than {maxBytes} bytes (more than its header says); refused");
                }

                if (_totalRead > BundleFormat.MaxTotalBytes)
                {
                    throw new BundleFormatException($"the bundle decompresses to more than {BundleFormat.MaxTotalBytes} bytes; refused");
                }

                sink(buffer.AsSpan(0, read));
            }
        }
        catch (InvalidDataException ex)
        {
            throw new BundleFormatException($"{path} cannot be decompressed (corrupt or unsupported): {ex.Message}", ex);
        }
        catch (NotSupportedException ex)
        {
            throw new BundleFormatException($"{path} uses an unsupported zip feature: {ex.Message}", ex);
        }

        return size;
    }

    public void Dispose()
    {
        _zip.Dispose();
        _file.Dispose();
    }

    internal delegate void ReadOnlySpanAction(ReadOnlySpan<byte> chunk);

    private static void CheckName(string name)
    {
        if (name.Length is 0 or > 255 || name.StartsWith('/') || name.Contains('\\', StringComparison.Ordinal) || name.Contains("//", StringComparison.Ordinal) ||
            name.Split('/').Any(segment => segment.Length == 0 || segment.StartsWith('.')) || name.Any(c => c < 0x20 || c > 0x7E))
        {
            throw new BundleFormatException($"the zip holds an unsafe name '{Printable(name)}' (absolute, '..', hidden, backslash or control characters)");
        }
    }

    private static string Printable(string name)
    {
        var text = new string(name.Take(80).Select(c => c < 0x20 || c > 0x7E ? '?' : c).ToArray());
        return name.Length > 80 ? text + "..." : text;
    }

    /// <summary>Reads the end-of-central-directory record (and its zip64 form) to bound the directory before .NET loads it.</summary>
    private static void CheckCentralDirectory(FileStream file)
    {
        if (file.Length < 22)
        {
            throw new BundleFormatException("not a zip file (too short)");
        }

        var tailLength = (int)Math.Min(file.Length, 22 + 65535);
        var tail = new byte[tailLength];
        file.Position = file.Length - tailLength;
        file.ReadExactly(tail);
        var eocd = -1;
        for (var i = tailLength - 22; i >= 0; i--)
        {
            if (tail[i] == 0x50 && tail[i + 1] == 0x4B && tail[i + 2] == 0x05 && tail[i + 3] == 0x06)
            {
                eocd = i;
                break;
            }
        }

        if (eocd < 0)
        {
            throw new BundleFormatException("not a zip file (no end-of-central-directory record)");
        }

        long entries = BinaryPrimitives.ReadUInt16LittleEndian(tail.AsSpan(eocd + 10));
        long directorySize = BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(eocd + 12));
        if (entries == 0xFFFF || directorySize == 0xFFFFFFFF)
        {
            var locator = eocd - 20;
            if (locator < 0 || BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(locator)) != 0x07064B50)
            {
                throw new BundleFormatException("not a readable zip file (zip64 locator missing)");
            }

            var offset = BinaryPrimitives.ReadInt64LittleEndian(tail.AsSpan(locator + 8));
            if (offset < 0 || offset > file.Length - 56)
            {
                throw new BundleFormatException("not a readable zip file (zip64 record out of range)");
            }

            var record = new byte[56];
            file.Position = offset;
            file.ReadExactly(record);
            if (BinaryPrimitives.ReadUInt32LittleEndian(record) != 0x06064B50)
            {
                throw new BundleFormatException("not a readable zip file (bad zip64 record)");
            }

            entries = (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(record.AsSpan(32)), long.MaxValue);
            directorySize = (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(record.AsSpan(40)), long.MaxValue);
        }

        if (entries > BundleFormat.MaxZipEntries)
        {
            throw new BundleFormatException($"the zip declares {entries} files; bundles of more than {BundleFormat.MaxZipEntries} are refused");
        }

        if (directorySize > BundleFormat.MaxCentralDirectoryBytes)
        {
            throw new BundleFormatException($"the zip's central directory is {directorySize} bytes; more than {BundleFormat.MaxCentralDirectoryBytes} is refused");
        }
    }
}
