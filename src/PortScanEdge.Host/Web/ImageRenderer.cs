using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace PortScanEdge.Host.Web;

/// <summary>
/// Renders radiographs and overlays for the browser as 8-bit PNGs no larger than a bound, so a 16-bit
/// multi-megapixel radiograph never goes over the booth network whole unless asked for (and even then capped).
/// Keeps the last few renderings (they are asked for repeatedly while a vehicle is on screen). Thread-safe.
/// </summary>
internal sealed class ImageRenderer : IDisposable
{
    private const int CacheEntries = 8;
    private readonly Lock _gate = new();
    private readonly LinkedList<(string Key, byte[] Png)> _cache = new();

    // Decoding a large radiograph takes tens of megabytes; one at a time keeps the gateway's memory bounded.
    private readonly SemaphoreSlim _decode = new(1, 1);

    public void Dispose() => _decode.Dispose();

    public async Task<byte[]> RenderAsync(string path, bool greyscale16, int maxSide, CancellationToken cancellationToken)
    {
        var key = path + "|" + maxSide.ToString(System.Globalization.CultureInfo.InvariantCulture);
        lock (_gate)
        {
            for (var node = _cache.First; node is not null; node = node.Next)
            {
                if (node.Value.Key == key)
                {
                    _cache.Remove(node);
                    _cache.AddFirst(node);
                    return node.Value.Png;
                }
            }
        }

        await _decode.WaitAsync(cancellationToken).ConfigureAwait(false);
        byte[] png;
        try
        {
            png = await Task.Run(() => Render(path, greyscale16, maxSide), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _decode.Release();
        }

        lock (_gate)
        {
            _cache.AddFirst((key, png));
            while (_cache.Count > CacheEntries)
            {
                _cache.RemoveLast();
            }
        }

        return png;
    }

    private static byte[] Render(string path, bool greyscale16, int maxSide)
    {
        using var output = new MemoryStream();
        if (greyscale16)
        {
            // As the overlay renderer shows it: the top 8 bits of the 16-bit value (air bright, dense dark).
            using var source = Image.Load<L16>(path);
            using var grey = source.CloneAs<L8>();
            Fit(grey, maxSide);
            grey.Save(output, new PngEncoder { ColorType = PngColorType.Grayscale, BitDepth = PngBitDepth.Bit8 });
        }
        else
        {
            using var image = Image.Load<Rgb24>(path);
            Fit(image, maxSide);
            image.Save(output, new PngEncoder { ColorType = PngColorType.Rgb, BitDepth = PngBitDepth.Bit8 });
        }

        return output.ToArray();
    }

    private static void Fit(Image image, int maxSide)
    {
        var longest = Math.Max(image.Width, image.Height);
        if (longest <= maxSide)
        {
            return;
        }

        var scale = maxSide / (double)longest;
        image.Mutate(x => x.Resize(Math.Max(1, (int)(image.Width * scale)), Math.Max(1, (int)(image.Height * scale))));
    }
}
