using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.PixelFormats;

namespace PortScanEdge.Detection.Intake;

/// <summary>
/// The hardened front door for radiograph files. Order of checks, cheapest and safest first:
/// file size → magic bytes → our own structural walk (PNG chunks / TIFF IFD: truncation, colour, frames,
/// dimensions against the limits, compression ratio; ICC and metadata neutralised) → ImageSharp
/// <c>Identify</c> cross-check → decode with a dedicated <see cref="Configuration"/> whose allocator is capped
/// (<c>AllocationLimitMegabytes</c>) and that knows only PNG and TIFF → decode-time check.
/// Decode time is bounded structurally and by the clock: every input ImageSharp 2.1 is known to loop on
/// (BigTIFF IFD chains, ICC profiles) is refused or neutralised before the decoder runs, the work left is
/// proportional to the bounded pixel count and file size, and a decode still running when
/// <see cref="ImageLimits.DecodeTimeout"/> runs out is stopped (our PNG decoder) or abandoned (ImageSharp) and the
/// file refused, so the caller gets its answer within the bound.
/// One instance per analysis workspace; not thread-safe (it owns the file buffer). Dispose it to stop the PNG
/// decoder's worker thread.
/// </summary>
public sealed class ImageIntake : IDisposable
{
    private readonly ImageLimits limits;
    private readonly Configuration configuration;
    private readonly PngGreyDecoder pngDecoder = new();
    private byte[] fileBuffer = [];

    /// <summary>Creates an intake with the given limits.</summary>
    public ImageIntake(ImageLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        this.limits = limits;
        configuration = new Configuration(new PngConfigurationModule(), new TiffConfigurationModule())
        {
            MemoryAllocator = MemoryAllocator.Create(new MemoryAllocatorOptions
            {
                AllocationLimitMegabytes = limits.DecoderAllocationLimitMegabytes,
            }),
            PreferContiguousImageBuffers = false,
            MaxDegreeOfParallelism = 1,
        };
    }

    /// <inheritdoc/>
    public void Dispose() => pngDecoder.Dispose();

    /// <summary>The limits in force.</summary>
    public ImageLimits Limits => limits;

    /// <summary>Reads, validates and decodes <paramref name="path"/> into <paramref name="target"/>.</summary>
    /// <returns>Null on success, else why the file was refused.</returns>
    public Rejection? TryLoad(string path, Radiograph target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var read = ReadFile(path, out var length);
        return read ?? TryDecode(length, target);
    }

    /// <summary>Validates and decodes an image held in memory. The bytes are copied; the caller's copy is untouched.</summary>
    public Rejection? TryLoad(ReadOnlySpan<byte> image, Radiograph target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (image.Length > limits.MaxFileBytes)
        {
            return new Rejection(RejectionKind.FileError, Invariant($"image is {image.Length} bytes, over the {limits.MaxFileBytes}-byte limit"));
        }

        EnsureBuffer(image.Length);
        image.CopyTo(fileBuffer);
        return TryDecode(image.Length, target);
    }

    /// <summary>Runs only the structural walk (no decode). Mutates <paramref name="file"/> to neutralise ICC/metadata.</summary>
    internal static Rejection? Inspect(Span<byte> file, ImageLimits limits, out ImageHeader header)
    {
        header = default;
        if (file.Length == 0)
        {
            return new Rejection(RejectionKind.NotAnImage, "file is empty");
        }

        if (file.Length >= 8 && file[..8].SequenceEqual(PngInspector.Signature))
        {
            return PngInspector.Inspect(file, limits, out header);
        }

        if (TiffInspector.HasSignature(file))
        {
            return TiffInspector.Inspect(file, limits, out header);
        }

        if (file.Length < 8 && PngInspector.Signature.StartsWith(file))
        {
            return new Rejection(RejectionKind.Truncated, Invariant($"file is {file.Length} bytes: a PNG signature cut short"));
        }

        return new Rejection(RejectionKind.NotAnImage, Invariant($"not a PNG or TIFF image (starts with {Convert.ToHexString(file[..Math.Min(8, file.Length)])})"));
    }

    internal static Rejection? CheckDimensions(uint width, uint height, ImageLimits limits)
    {
        if (width == 0 || height == 0)
        {
            return new Rejection(RejectionKind.InvalidDimensions, Invariant($"image declares {width}x{height} pixels; zero dimensions are invalid"));
        }

        if (width > limits.MaxWidth || height > limits.MaxHeight || (long)width * height > limits.MaxPixels)
        {
            var absurd = width > 65535 || height > 65535;
            return new Rejection(
                absurd ? RejectionKind.InvalidDimensions : RejectionKind.TooLarge,
                Invariant($"image declares {width}x{height} pixels; the limits are {limits.MaxWidth}x{limits.MaxHeight} and {limits.MaxPixels} pixels"));
        }

        if (width < limits.MinSide || height < limits.MinSide)
        {
            return new Rejection(RejectionKind.InvalidDimensions, Invariant($"image is {width}x{height} pixels; each side must be at least {limits.MinSide}"));
        }

        return null;
    }

    internal static Rejection? CheckCompressionRatio(long decodedBytes, long compressedBytes, ImageLimits limits, string format)
    {
        if (compressedBytes <= 0 || decodedBytes / (double)compressedBytes > limits.MaxCompressionRatio)
        {
            return new Rejection(
                RejectionKind.DecompressionBomb,
                Invariant($"{format} claims {decodedBytes} bytes of pixels from {compressedBytes} compressed bytes (more than {limits.MaxCompressionRatio}:1); refusing a likely decompression bomb or truncated data"));
        }

        return null;
    }

    private Rejection? ReadFile(string path, out int length)
    {
        length = 0;
        try
        {
            // Stat before opening: a FIFO or device would block open() or never end; they report length 0,
            // as does an empty file, and none of them is a radiograph.
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                return new Rejection(RejectionKind.FileError, $"'{path}' does not exist or is not a file");
            }

            if (info.Length == 0)
            {
                return new Rejection(RejectionKind.NotAnImage, $"'{path}' is empty or not a regular file");
            }

            if (info.Length > limits.MaxFileBytes)
            {
                return new Rejection(RejectionKind.FileError, Invariant($"file is {info.Length} bytes, over the {limits.MaxFileBytes}-byte limit"));
            }

            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
            var size = RandomAccess.GetLength(handle);
            if (size > limits.MaxFileBytes)
            {
                return new Rejection(RejectionKind.FileError, Invariant($"file is {size} bytes, over the {limits.MaxFileBytes}-byte limit"));
            }

            EnsureBuffer((int)size);
            length = ReadAll(handle, fileBuffer.AsSpan(0, (int)size));
            return null;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return new Rejection(RejectionKind.FileError, $"cannot read '{path}': {exception.Message}");
        }
    }

    private static int ReadAll(SafeFileHandle handle, Span<byte> buffer)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var read = RandomAccess.Read(handle, buffer[total..], total);
            if (read == 0)
            {
                break; // The file shrank while we read it: what we have is checked as a (truncated) image.
            }

            total += read;
        }

        return total;
    }

    private void EnsureBuffer(int size)
    {
        if (fileBuffer.Length < size)
        {
            fileBuffer = GC.AllocateUninitializedArray<byte>(size);
        }
    }

    private Rejection? TryDecode(int length, Radiograph target)
    {
        var file = fileBuffer.AsSpan(0, length);
        var problem = Inspect(file, limits, out var header);
        if (problem is not null)
        {
            return problem;
        }

        var started = Stopwatch.GetTimestamp();
        if (header.Container == ImageContainer.Png && !header.Interlaced)
        {
            // The validated IHDR is this path's Identify: dimensions, bit depth and colour type are already checked.
            // Our decoder looks at the clock between blocks of rows and stops when the bound runs out.
            var deadline = started + (long)(limits.DecodeTimeout.TotalSeconds * Stopwatch.Frequency);
            return pngDecoder.Decode(fileBuffer, length, header, target, deadline);
        }

        // ImageSharp (interlaced PNG, TIFF) cannot be interrupted: it decodes its own copy of the file on a worker
        // while this thread waits for at most the bound. A decode that overruns is refused at once and abandoned
        // (it finishes on its own, bounded by the pixel and file limits, and its result is discarded), so one
        // hostile file never holds the lane.
        var copy = fileBuffer.AsSpan(0, length).ToArray();
        var decode = Task.Factory.StartNew(() => DecodeWithImageSharp(copy, header), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        if (Task.WaitAny([decode], limits.DecodeTimeout) < 0)
        {
            _ = decode.ContinueWith(static t => t.Result.Image?.Dispose(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return new Rejection(RejectionKind.DecodeTimeout, Invariant($"decoding was still running after the {limits.DecodeTimeout.TotalMilliseconds:F0} ms bound (detection.decode_timeout); the file is refused"));
        }

        var (image, rejection) = decode.GetAwaiter().GetResult();
        if (image is null)
        {
            return rejection;
        }

        using (image)
        {
            target.Reset(header.Width, header.Height, header.BitDepth);
            image.CopyPixelDataTo(MemoryMarshal.Cast<ushort, L16>(target.Pixels));
        }

        return null;
    }

    private (Image<L16>? Image, Rejection? Rejection) DecodeWithImageSharp(byte[] file, ImageHeader header)
    {
        try
        {
            IImageInfo? info;
            using (var stream = new MemoryStream(file, writable: false))
            {
                info = Image.Identify(configuration, stream);
            }

            if (info is null)
            {
                return (null, new Rejection(RejectionKind.NotAnImage, "the decoder does not recognise the image"));
            }

            if (info.Width != header.Width || info.Height != header.Height)
            {
                return (null, new Rejection(RejectionKind.Corrupt, Invariant($"decoder reads {info.Width}x{info.Height} but the header says {header.Width}x{header.Height}")));
            }

            if (info.PixelType.BitsPerPixel != header.BitDepth)
            {
                return (null, new Rejection(RejectionKind.Colour, Invariant($"decoder reads {info.PixelType.BitsPerPixel} bits per pixel; a {header.BitDepth}-bit greyscale image is expected")));
            }

            var image = Image.Load<L16>(configuration, file);
            if (image.Frames.Count != 1)
            {
                var frames = image.Frames.Count;
                image.Dispose();
                return (null, new Rejection(RejectionKind.MultiFrame, Invariant($"image has {frames} frames; a single radiograph is expected")));
            }

            return (image, null);
        }
        catch (InvalidMemoryOperationException exception)
        {
            return (null, new Rejection(RejectionKind.DecompressionBomb, $"decoder memory cap of {limits.DecoderAllocationLimitMegabytes} MB reached: {exception.Message}"));
        }
        catch (UnknownImageFormatException exception)
        {
            return (null, new Rejection(RejectionKind.NotAnImage, exception.Message));
        }
        catch (Exception exception) when (exception is ImageFormatException or NotSupportedException or InvalidDataException
                                              or ArgumentException or InvalidOperationException or IndexOutOfRangeException
                                              or OverflowException or EndOfStreamException or NullReferenceException)
        {
            // Decoder failures on hostile input are data problems, not gateway faults: name them and carry on.
            return (null, new Rejection(RejectionKind.Corrupt, $"decoder rejected the image: {exception.Message}"));
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
