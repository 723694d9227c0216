using System.Buffers;
using System.Security.Cryptography;
using PortScanEdge.Devices.Scanner.Protocol;

namespace PortScanEdge.Devices.Scanner;

/// <summary>An announced image that passed the checks, and where the gateway's own copy is.</summary>
/// <param name="Announced">What SCAN_COMPLETE said.</param>
/// <param name="Path">The gateway's verified copy (analysis reads only this).</param>
public sealed record VerifiedImage(AnnouncedImage Announced, string Path);

/// <summary>The outcome of the image hand-over of one scan (scanner-serial.md §7).</summary>
/// <param name="IsVerified">True when every announced image exists, has the announced size and SHA-256, and was copied.</param>
/// <param name="OutcomeCode">Empty when verified, else <see cref="ImageHandoverResult.ImageIntegrityFailed"/>.</param>
/// <param name="Reason">What failed, naming the file and the numbers, for the alert and the record.</param>
/// <param name="Images">The verified copies (empty when not verified: nothing of a failed scan is handed on).</param>
public sealed record ImageHandoverResult(bool IsVerified, string OutcomeCode, string Reason, IReadOnlyList<VerifiedImage> Images)
{
    /// <summary>The transaction outcome code for any integrity failure.</summary>
    public const string ImageIntegrityFailed = "image_integrity_failed";

    /// <summary>A success.</summary>
    public static ImageHandoverResult Verified(IReadOnlyList<VerifiedImage> images) => new(true, string.Empty, string.Empty, images);

    /// <summary>A failure.</summary>
    public static ImageHandoverResult Failed(string reason) => new(false, ImageIntegrityFailed, reason, []);
}

/// <summary>
/// Waits for announced image files in the spool directory, copies each into the gateway's image store while
/// hashing exactly the bytes copied, and compares size and SHA-256 with the announcement (scanner-serial.md §7).
/// A file swapped on the share after the check is never analysed, because analysis reads only the copy.
/// </summary>
public sealed class ImageHandover
{
    private const int CopyBufferBytes = 1024 * 1024;

    private readonly string _spoolDirectory;
    private readonly string _storeDirectory;
    private readonly TimeSpan _waitTimeout;
    private readonly TimeProvider _time;

    /// <summary>Creates the hand-over.</summary>
    /// <param name="spoolDirectory">Where the scanner writes (in production a mounted share).</param>
    /// <param name="storeDirectory">The gateway's own image store; one sub-directory per transaction.</param>
    /// <param name="waitTimeout">How long to wait for all announced files (device option <c>image_wait_timeout</c>).</param>
    /// <param name="time">Clock for the wait.</param>
    public ImageHandover(string spoolDirectory, string storeDirectory, TimeSpan waitTimeout, TimeProvider time)
    {
        _spoolDirectory = Path.GetFullPath(spoolDirectory);
        _storeDirectory = Path.GetFullPath(storeDirectory);
        _waitTimeout = waitTimeout;
        _time = time;
    }

    /// <summary>Verifies and copies every image of <paramref name="scan"/>; never throws for bad files.</summary>
    public async Task<ImageHandoverResult> VerifyAsync(ScanCompleteMessage scan, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scan);
        if (!ScannerMessageCodec.IsValidTransactionId(scan.TransactionId))
        {
            return ImageHandoverResult.Failed("the transaction id is not valid");
        }

        foreach (AnnouncedImage image in scan.Images)
        {
            if (!ScannerMessageCodec.IsValidFileName(image.FileName))
            {
                return ImageHandoverResult.Failed($"announced file name '{Printable(image.FileName)}' is not a plain name (A-Z a-z 0-9 . _ -)");
            }

            if (image.Sha256.Length != 32)
            {
                return ImageHandoverResult.Failed($"{image.FileName}: announced SHA-256 is not 32 bytes");
            }
        }

        long started = _time.GetTimestamp();
        string transactionStore = Path.Combine(_storeDirectory, scan.TransactionId);
        var verified = new List<VerifiedImage>(scan.Images.Count);
        try
        {
            foreach (AnnouncedImage image in scan.Images)
            {
                string source = Path.Combine(_spoolDirectory, image.FileName);
                string? waitProblem = await WaitForFileAsync(source, image, started, cancellationToken).ConfigureAwait(false);
                if (waitProblem is not null)
                {
                    DeleteQuietly(transactionStore);
                    return ImageHandoverResult.Failed(waitProblem);
                }

                Directory.CreateDirectory(transactionStore);
                string destination = Path.Combine(transactionStore, image.FileName);
                string? copyProblem = await CopyAndVerifyAsync(source, destination, image, cancellationToken).ConfigureAwait(false);
                if (copyProblem is not null)
                {
                    DeleteQuietly(transactionStore);
                    return ImageHandoverResult.Failed(copyProblem);
                }

                verified.Add(new VerifiedImage(image, destination));
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            DeleteQuietly(transactionStore);
            return ImageHandoverResult.Failed($"cannot read the spool: {ex.Message}");
        }

        return ImageHandoverResult.Verified(verified);
    }

    private async Task<string?> WaitForFileAsync(string path, AnnouncedImage image, long startTimestamp, CancellationToken cancellationToken)
    {
        while (true)
        {
            var info = new FileInfo(path);
            if (info.Exists && info.Length >= image.SizeBytes)
            {
                return info.Length == image.SizeBytes
                    ? null
                    : $"{image.FileName}: size mismatch: announced {image.SizeBytes} bytes, found {info.Length}";
            }

            if (_time.GetElapsedTime(startTimestamp) >= _waitTimeout)
            {
                return info.Exists
                    ? $"{image.FileName}: timeout after {_waitTimeout.TotalSeconds:0.###} s: {info.Length} of {image.SizeBytes} announced bytes present"
                    : $"{image.FileName}: absent after {_waitTimeout.TotalSeconds:0.###} s";
            }

            // §7 step 2: poll every ImagePollInterval (works on network shares where change notification does not).
            await Task.Delay(ScannerProtocol.ImagePollInterval, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<string?> CopyAndVerifyAsync(string source, string destination, AnnouncedImage image, CancellationToken cancellationToken)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(CopyBufferBytes);
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long copied = 0;
            await using (var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan))
            await using (var output = new FileStream(destination, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1))
            {
                while (true)
                {
                    int n = await input.ReadAsync(buffer.AsMemory(0, CopyBufferBytes), cancellationToken).ConfigureAwait(false);
                    if (n == 0)
                    {
                        break;
                    }

                    copied += n;
                    if (copied > image.SizeBytes)
                    {
                        return $"{image.FileName}: size mismatch: announced {image.SizeBytes} bytes, the file grew beyond it while being read";
                    }

                    hash.AppendData(buffer, 0, n);
                    await output.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                }
            }

            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(destination, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            if (copied != image.SizeBytes)
            {
                return $"{image.FileName}: size mismatch: announced {image.SizeBytes} bytes, read {copied}";
            }

            byte[] actual = hash.GetHashAndReset();
            if (!CryptographicOperations.FixedTimeEquals(actual, image.Sha256))
            {
                return $"{image.FileName}: SHA-256 mismatch: announced {image.Sha256Hex}, file has {Convert.ToHexStringLower(actual)}";
            }

            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void DeleteQuietly(string directory)
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

    private static string Printable(string s)
    {
        string cut = s.Length > 64 ? s[..64] + "..." : s;
        return new string([.. cut.Select(c => char.IsControl(c) ? '?' : c)]);
    }
}
