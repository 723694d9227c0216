using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using PortScanEdge.Core.Transactions;
using PortScanEdge.Integrity.Audit;

namespace PortScanEdge.Integrity.Archive;

/// <summary>Where an evidence file comes from: a file on disk (copied) or bytes in memory.</summary>
/// <param name="Name">File name inside the transaction's evidence: letters, digits, '.', '_' and '-', not starting with '.'.</param>
/// <param name="SourcePath">File to copy; null when <paramref name="Content"/> is given.</param>
/// <param name="Content">Bytes to write; null when <paramref name="SourcePath"/> is given.</param>
public sealed record EvidenceSource(string Name, string? SourcePath, ReadOnlyMemory<byte>? Content)
{
    /// <summary>A file to copy into the archive.</summary>
    public static EvidenceSource FromFile(string name, string path) => new(name, path, null);

    /// <summary>Bytes to write into the archive (e.g. a heat-map PNG rendered in memory).</summary>
    public static EvidenceSource FromBytes(string name, ReadOnlyMemory<byte> content) => new(name, null, content);
}

/// <summary>An archived transaction as the retention policy sees it.</summary>
/// <param name="Id">Transaction ULID.</param>
/// <param name="LaneId">Lane id.</param>
/// <param name="ArrivedAt">Arrival time (from the ULID).</param>
/// <param name="Directory">Its directory in the archive.</param>
/// <param name="SizeBytes">Bytes its files take.</param>
public sealed record StoredTransaction(string Id, string LaneId, DateTimeOffset ArrivedAt, string Directory, long SizeBytes);

/// <summary>A transaction's evidence as stored.</summary>
/// <param name="Id">Transaction ULID.</param>
/// <param name="LaneId">Lane id.</param>
/// <param name="ArrivedAt">Arrival time (from the ULID).</param>
/// <param name="Directory">Its directory in the archive.</param>
/// <param name="RecordSha256">SHA-256 of <c>record.json</c>.</param>
/// <param name="RecordSizeBytes">Size of <c>record.json</c>.</param>
/// <param name="Images">Stored images (<c>images/</c>).</param>
/// <param name="HeatMaps">Stored heat maps (<c>heatmaps/</c>).</param>
/// <param name="Problems">Differences found while storing (e.g. an image whose SHA-256 is not the one in the record).</param>
public sealed record ArchivedTransaction(
    string Id, string LaneId, DateTimeOffset ArrivedAt, string Directory, string RecordSha256, long RecordSizeBytes,
    IReadOnlyList<EvidenceDigest> Images, IReadOnlyList<EvidenceDigest> HeatMaps, IReadOnlyList<string> Problems)
{
    /// <summary>Path of <c>record.json</c>.</summary>
    public string RecordPath => Path.Combine(Directory, TransactionArchive.RecordFile);

    /// <summary>Path of a stored image.</summary>
    public string ImagePath(string name) => Path.Combine(Directory, TransactionArchive.ImagesDir, name);

    /// <summary>Path of a stored heat map.</summary>
    public string HeatMapPath(string name) => Path.Combine(Directory, TransactionArchive.HeatMapsDir, name);
}

/// <summary>
/// The evidence archive under <c>gateway.data_dir</c>: for each closed transaction its record JSON (the exact bytes
/// audited), its images and heat maps, in <c>{lane}/{yyyy}/{MM}/{dd}/{id}/</c> (date of arrival, from the ULID), so
/// it is indexed by id, lane and time without a separate index. Each transaction is written to a temporary
/// directory, fsync'd and renamed into place: a crash never leaves half a transaction.
/// </summary>
public sealed partial class TransactionArchive(string root)
{
    internal const string RecordFile = "record.json";
    internal const string EvidenceFile = "evidence.json";
    /// <summary>The sub-directory of a transaction's images.</summary>
    public const string ImagesDir = "images";

    /// <summary>The sub-directory of a transaction's heat maps.</summary>
    public const string HeatMapsDir = "heatmaps";

    /// <summary>Largest record JSON stored.</summary>
    public const long MaxRecordBytes = 4L * 1024 * 1024;

    /// <summary>Largest image stored.</summary>
    public const long MaxImageBytes = 1024L * 1024 * 1024;

    /// <summary>Largest heat map stored.</summary>
    public const long MaxHeatMapBytes = 64L * 1024 * 1024;

    /// <summary>Most images plus heat maps per transaction.</summary>
    public const int MaxFilesPerTransaction = 32;

    /// <summary>The archive's root directory.</summary>
    public string Root { get; } = Path.GetFullPath(root);

    /// <summary>Stores a transaction's evidence (replacing an earlier copy of the same transaction).</summary>
    public async Task<ArchivedTransaction> StoreAsync(VehicleTransaction transaction, IReadOnlyList<EvidenceSource> images, IReadOnlyList<EvidenceSource> heatMaps,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(heatMaps);
        if (!Ulid.IsValid(transaction.Id) || !UlidTime.TryGet(transaction.Id, out var arrivedAt))
        {
            throw new ArgumentException($"transaction id '{AuditEntryFormat.Shorten(transaction.Id)}' is not a ULID", nameof(transaction));
        }

        if (!LanePattern().IsMatch(transaction.LaneId))
        {
            throw new ArgumentException($"lane id '{AuditEntryFormat.Shorten(transaction.LaneId)}' is not a valid id", nameof(transaction));
        }

        if (images.Count + heatMaps.Count > MaxFilesPerTransaction)
        {
            throw new ArgumentException($"at most {MaxFilesPerTransaction} images and heat maps per transaction", nameof(images));
        }

        RequireNames(images.Concat(heatMaps).Select(s => s.Name));
        var final = Path.Combine(Root, transaction.LaneId, DatePath(arrivedAt), transaction.Id);
        var incoming = Path.Combine(Root, ".incoming", $"{transaction.Id}.{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path.Combine(incoming, ImagesDir));
        Directory.CreateDirectory(Path.Combine(incoming, HeatMapsDir));
        try
        {
            var record = TransactionJson.SerializeToUtf8Bytes(transaction);
            if (record.Length > MaxRecordBytes)
            {
                throw new ArgumentException($"the record is {record.Length} bytes; at most {MaxRecordBytes} are archived", nameof(transaction));
            }

            await WriteDurablyAsync(Path.Combine(incoming, RecordFile), record, cancellationToken).ConfigureAwait(false);
            var problems = new List<string>();
            var storedImages = new List<EvidenceDigest>();
            foreach (var image in images)
            {
                var digest = await StoreFileAsync(image, Path.Combine(incoming, ImagesDir, image.Name), MaxImageBytes, cancellationToken).ConfigureAwait(false);
                var expected = transaction.Scan?.Images.FirstOrDefault(i => i.File == image.Name);
                if (expected is not null && !string.Equals(expected.Sha256, digest.Sha256, StringComparison.OrdinalIgnoreCase))
                {
                    problems.Add($"image {image.Name}: SHA-256 {digest.Sha256} differs from the verified {expected.Sha256} in the record");
                }

                storedImages.Add(digest);
            }

            var storedHeatMaps = new List<EvidenceDigest>();
            foreach (var heatMap in heatMaps)
            {
                storedHeatMaps.Add(await StoreFileAsync(heatMap, Path.Combine(incoming, HeatMapsDir, heatMap.Name), MaxHeatMapBytes, cancellationToken).ConfigureAwait(false));
            }

            var archived = new ArchivedTransaction(transaction.Id, transaction.LaneId, arrivedAt, final, AuditEntryFormat.Sha256Hex(record), record.Length,
                storedImages, storedHeatMaps, problems);
            await WriteDurablyAsync(Path.Combine(incoming, EvidenceFile),
                JsonSerializer.SerializeToUtf8Bytes(EvidenceIndex.From(archived), TransactionJson.Options), cancellationToken).ConfigureAwait(false);
            DirectorySync.Fsync(Path.Combine(incoming, ImagesDir));
            DirectorySync.Fsync(Path.Combine(incoming, HeatMapsDir));
            DirectorySync.Fsync(incoming);

            var parent = Path.GetDirectoryName(final)!;
            Directory.CreateDirectory(parent);
            string? replaced = null;
            if (Directory.Exists(final))
            {
                replaced = incoming + ".replaced";
                Directory.Move(final, replaced);
            }

            Directory.Move(incoming, final);
            DirectorySync.Fsync(parent);
            if (replaced is not null)
            {
                Directory.Delete(replaced, recursive: true);
            }

            return archived;
        }
        catch
        {
            TryDelete(incoming);
            throw;
        }
    }

    /// <summary>
    /// The directory a transaction of <paramref name="laneId"/> is stored in once archived (whether it is yet or not);
    /// null when the id is not a ULID or the lane id not a valid one. Cheaper than <see cref="Find"/>: no file is read.
    /// </summary>
    public string? DirectoryOf(string laneId, string id) =>
        Ulid.IsValid(id) && UlidTime.TryGet(id, out var at) && LanePattern().IsMatch(laneId) ? Path.Combine(Root, laneId, DatePath(at), id) : null;

    /// <summary>Finds a transaction by id; null when it is not archived.</summary>
    public ArchivedTransaction? Find(string id)
    {
        if (!Ulid.IsValid(id) || !UlidTime.TryGet(id, out var at) || !Directory.Exists(Root))
        {
            return null;
        }

        foreach (var lane in Lanes())
        {
            var directory = Path.Combine(Root, lane, DatePath(at), id);
            if (Directory.Exists(directory))
            {
                return Load(directory);
            }
        }

        return null;
    }

    /// <summary>
    /// Transactions of a lane (or all lanes) that arrived in [<paramref name="from"/>, <paramref name="to"/>), in
    /// id order, at most <paramref name="limit"/>.
    /// </summary>
    public IReadOnlyList<ArchivedTransaction> Query(string? laneId, DateTimeOffset? from, DateTimeOffset? to, int limit = 1000)
    {
        var result = new List<ArchivedTransaction>();
        if (!Directory.Exists(Root))
        {
            return result;
        }

        var lanes = laneId is null ? Lanes() : LanePattern().IsMatch(laneId) ? [laneId] : [];
        foreach (var lane in lanes)
        {
            var laneDir = Path.Combine(Root, lane);
            if (!Directory.Exists(laneDir))
            {
                continue;
            }

            foreach (var dayDir in DayDirectories(laneDir, from, to))
            {
                foreach (var directory in Directory.EnumerateDirectories(dayDir).Order(StringComparer.Ordinal))
                {
                    var id = Path.GetFileName(directory);
                    if (!UlidTime.TryGet(id, out var at) || (from is not null && at < from) || (to is not null && at >= to))
                    {
                        continue;
                    }

                    if (Load(directory) is { } archived)
                    {
                        result.Add(archived);
                    }
                }
            }
        }

        return result.OrderBy(a => a.Id, StringComparer.Ordinal).Take(limit).ToArray();
    }

    /// <summary>
    /// Every archived transaction of every lane, oldest first (by id), with the bytes its files take: what the
    /// retention policy walks. Reads only directory entries and file sizes, not the evidence.
    /// </summary>
    public IReadOnlyList<StoredTransaction> Inventory()
    {
        var result = new List<StoredTransaction>();
        if (!Directory.Exists(Root))
        {
            return result;
        }

        foreach (var lane in Lanes())
        {
            foreach (var dayDir in DayDirectories(Path.Combine(Root, lane), null, null))
            {
                foreach (var directory in Directory.EnumerateDirectories(dayDir))
                {
                    var id = Path.GetFileName(directory);
                    if (Ulid.IsValid(id) && UlidTime.TryGet(id, out var at))
                    {
                        var size = new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
                        result.Add(new StoredTransaction(id, lane, at, directory, size));
                    }
                }
            }
        }

        result.Sort((a, b) => StringComparer.Ordinal.Compare(a.Id, b.Id));
        return result;
    }

    /// <summary>
    /// Deletes a transaction's evidence: first moved out of the archive's tree in one rename (so it is either
    /// archived or gone, never half there), then deleted; empty day, month and year directories go with it.
    /// </summary>
    public void Remove(StoredTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        if (DirectoryOf(transaction.LaneId, transaction.Id) != transaction.Directory || !Directory.Exists(transaction.Directory))
        {
            return;
        }

        var incoming = Path.Combine(Root, ".incoming");
        Directory.CreateDirectory(incoming);

        // A removal a crash interrupted after its rename finishes now.
        foreach (var leftover in Directory.EnumerateDirectories(incoming, "*.removed.*"))
        {
            Directory.Delete(leftover, recursive: true);
        }

        var doomed = Path.Combine(incoming, $"{transaction.Id}.removed.{Guid.NewGuid():N}");
        Directory.Move(transaction.Directory, doomed);
        Directory.Delete(doomed, recursive: true);

        // Empty day, month and year directories of past days go too (today's may be about to receive a transaction).
        if (transaction.ArrivedAt.UtcDateTime.Date >= DateTime.UtcNow.Date)
        {
            return;
        }

        var laneDirectory = Path.Combine(Root, transaction.LaneId);
        for (var parent = Path.GetDirectoryName(transaction.Directory); parent is not null && parent.Length > laneDirectory.Length && !Directory.EnumerateFileSystemEntries(parent).Any(); parent = Path.GetDirectoryName(parent))
        {
            Directory.Delete(parent);
        }
    }

    private static IEnumerable<string> DayDirectories(string laneDir, DateTimeOffset? from, DateTimeOffset? to)
    {
        foreach (var year in Numbered(laneDir))
        {
            foreach (var month in Numbered(year))
            {
                foreach (var day in Numbered(month))
                {
                    var text = $"{Path.GetFileName(year)}-{Path.GetFileName(month)}-{Path.GetFileName(day)}";
                    if (!DateTime.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var date))
                    {
                        continue;
                    }

                    var start = new DateTimeOffset(date, TimeSpan.Zero);
                    if ((from is not null && start.AddDays(1) <= from) || (to is not null && start >= to))
                    {
                        continue;
                    }

                    yield return day;
                }
            }
        }
    }

    private static IEnumerable<string> Numbered(string directory) =>
        Directory.EnumerateDirectories(directory).Where(d => Path.GetFileName(d).All(char.IsAsciiDigit)).Order(StringComparer.Ordinal);

    private IEnumerable<string> Lanes() =>
        Directory.EnumerateDirectories(Root).Select(Path.GetFileName).Where(n => n is not null && LanePattern().IsMatch(n)).Cast<string>().Order(StringComparer.Ordinal);

    private static ArchivedTransaction? Load(string directory)
    {
        var path = Path.Combine(directory, EvidenceFile);
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists || info.Length > 1024 * 1024)
            {
                return null;
            }

            var index = JsonSerializer.Deserialize<EvidenceIndex>(File.ReadAllBytes(path), TransactionJson.Options);
            return index?.ToArchived(directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    private static async Task<EvidenceDigest> StoreFileAsync(EvidenceSource source, string target, long maxBytes, CancellationToken cancellationToken)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long size = 0;
        await using (var output = new FileStream(target, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
        {
            if (source.Content is { } content)
            {
                if (content.Length > maxBytes)
                {
                    throw new ArgumentException($"{source.Name} is {content.Length} bytes; at most {maxBytes} are archived");
                }

                sha.AppendData(content.Span);
                await output.WriteAsync(content, cancellationToken).ConfigureAwait(false);
                size = content.Length;
            }
            else
            {
                await using var input = new FileStream(source.SourcePath ?? throw new ArgumentException($"{source.Name}: neither a file nor bytes"),
                    FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
                var buffer = new byte[1 << 16];
                int read;
                while ((read = await input.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    size += read;
                    if (size > maxBytes)
                    {
                        throw new ArgumentException($"{source.Name} is larger than {maxBytes} bytes; not archived");
                    }

                    sha.AppendData(buffer, 0, read);
                    await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }
            }

            output.Flush(flushToDisk: true);
        }

        return new EvidenceDigest(source.Name, Convert.ToHexStringLower(sha.GetHashAndReset()), size);
    }

    private static async Task WriteDurablyAsync(string path, byte[] bytes, CancellationToken cancellationToken)
    {
        await using var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        await output.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        output.Flush(flushToDisk: true);
    }

    private static void RequireNames(IEnumerable<string> names)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            if (!FileNamePattern().IsMatch(name))
            {
                throw new ArgumentException($"evidence file name '{AuditEntryFormat.Shorten(name)}' must be 1-100 letters, digits, '.', '_' or '-', not starting with '.'");
            }

            if (!seen.Add(name))
            {
                throw new ArgumentException($"evidence file name '{name}' is used twice");
            }
        }
    }

    private static string DatePath(DateTimeOffset at) =>
        Path.Combine(at.UtcDateTime.ToString("yyyy", CultureInfo.InvariantCulture), at.UtcDateTime.ToString("MM", CultureInfo.InvariantCulture),
            at.UtcDateTime.ToString("dd", CultureInfo.InvariantCulture));

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$")]
    internal static partial Regex FileNamePattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,62}$")]
    private static partial Regex LanePattern();

    /// <summary><c>evidence.json</c>: what was stored, with hashes.</summary>
    private sealed record EvidenceIndex(string Id, string LaneId, DateTimeOffset ArrivedAt, string RecordSha256, long RecordSizeBytes,
        IReadOnlyList<EvidenceDigest> Images, IReadOnlyList<EvidenceDigest> HeatMaps, IReadOnlyList<string> Problems)
    {
        public static EvidenceIndex From(ArchivedTransaction a) => new(a.Id, a.LaneId, a.ArrivedAt, a.RecordSha256, a.RecordSizeBytes, a.Images, a.HeatMaps, a.Problems);

        public ArchivedTransaction? ToArchived(string directory) =>
            Id == Path.GetFileName(directory) && Images is not null && HeatMaps is not null
                ? new ArchivedTransaction(Id, LaneId, ArrivedAt, directory, RecordSha256, RecordSizeBytes, Images, HeatMaps, Problems ?? [])
                : null;
    }
}

/// <summary>The creation time a ULID encodes (its first 10 characters: milliseconds since the Unix epoch).</summary>
public static class UlidTime
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    /// <summary>Decodes the timestamp of a ULID; false when it is not one.</summary>
    public static bool TryGet(string id, out DateTimeOffset at)
    {
        at = default;
        if (id is null || !Ulid.IsValid(id))
        {
            return false;
        }

        long milliseconds = 0;
        for (var i = 0; i < 10; i++)
        {
            milliseconds = milliseconds * 32 + Alphabet.IndexOf(id[i], StringComparison.Ordinal);
        }

        if (milliseconds > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
        {
            return false;
        }

        at = DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
        return true;
    }
}
