using PortScanEdge.Core.Imaging;
using PortScanEdge.Devices.Scanner.Protocol;

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
    public Task<byte[]> RenderAsync(ScanImageRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        int seed = StringComparer.Ordinal.GetHashCode(request.TransactionId) ^ (int)request.Energy;
        var random = new Random(seed);
        int top = request.Height / 5;
        int bottom = request.Height - request.Height / 6;
        ushort dense = (ushort)(request.Energy == EnergyKind.Low ? 9000 : 16000);
        var row = new ushort[request.Width];
        using var output = new MemoryStream();
        using (var png = new PngWriter(output, request.Width, request.Height, PngLayout.Grey16, leaveOpen: true))
        {
            for (int y = 0; y < request.Height; y++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                for (int x = 0; x < row.Length; x++)
                {
                    // Pixel value = transmitted intensity: air is bright, the vehicle body dark.
                    row[x] = (ushort)(y >= top && y <= bottom ? dense + random.Next(0, 2000) : 60000 + random.Next(0, 2000));
                }

                png.WriteRow(row);
            }

            png.Complete();
        }

        return Task.FromResult(output.ToArray());
    }
}
