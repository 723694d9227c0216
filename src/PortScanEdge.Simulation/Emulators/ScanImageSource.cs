using PortScanEdge.Devices.Scanner.Protocol;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace PortScanEdge.Simulation.Emulators;

/// <summary>One image the emulated scanner is about to write.</summary>
/// <param name="TransactionId">The gateway's transaction id from START_SCAN.</param>
/// <param name="Energy">Single, low or high energy.</param>
/// <param name="EnergyKv">Nominal energy in kV.</param>
/// <param name="Width">Pixels along the vehicle.</param>
/// <param name="Height">Pixels.</param>
/// <param name="ScannerId">The emulated scanner's device id.</param>
public sealed record ScanImageRequest(string TransactionId, EnergyKind Energy, ushort EnergyKv, int Width, int Height, string ScannerId = "");

/// <summary>
/// Produces the file bytes of an emulated radiograph (16-bit greyscale PNG). The synthetic-radiograph generator
/// plugs in here; <see cref="GradientScanImageSource"/> is the stand-in that needs nothing.
/// </summary>
public interface IScanImageSource
{
    /// <summary>Encodes one image; the bytes are written to the spool as they are.</summary>
    Task<byte[]> RenderAsync(ScanImageRequest request, CancellationToken cancellationToken);
}

/// <summary>A plain 16-bit greyscale PNG: bright air with a darker band (a "vehicle"), different per transaction.</summary>
public sealed class GradientScanImageSource : IScanImageSource
{
    /// <inheritdoc />
    public async Task<byte[]> RenderAsync(ScanImageRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        int seed = StringComparer.Ordinal.GetHashCode(request.TransactionId) ^ (int)request.Energy;
        var random = new Random(seed);
        using var image = new Image<L16>(request.Width, request.Height);
        int top = request.Height / 5;
        int bottom = request.Height - request.Height / 6;
        ushort dense = (ushort)(request.Energy == EnergyKind.Low ? 9000 : 16000);
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                Span<L16> row = rows.GetRowSpan(y);
                for (int x = 0; x < row.Length; x++)
                {
                    // Pixel value = transmitted intensity: air is bright, the vehicle body dark.
                    int value = y >= top && y <= bottom ? dense + random.Next(0, 2000) : 60000 + random.Next(0, 2000);
                    row[x] = new L16((ushort)value);
                }
            }
        });

        using var output = new MemoryStream();
        await image.SaveAsPngAsync(output, new PngEncoder { BitDepth = PngBitDepth.Bit16, ColorType = PngColorType.Grayscale }, cancellationToken).ConfigureAwait(false);
        return output.ToArray();
    }
}
