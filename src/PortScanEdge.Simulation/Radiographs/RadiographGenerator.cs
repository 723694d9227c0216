namespace PortScanEdge.Simulation.Radiographs;

/// <summary>
/// Renders synthetic drive-through portal radiographs. Deterministic: the same seed, size and concealment
/// choice give the same pixels on every machine and run. The vehicle, the concealment and the detector
/// noise come from separate streams of the seed, so <c>Render(s, w, h, false)</c> and
/// <c>Render(s, w, h, true)</c> show the same vehicle, and differ only where the concealment was drawn.
/// Thread-safe: every call owns its state.
/// </summary>
public static class RadiographGenerator
{
    /// <summary>Default scan width in pixels (vehicle travel direction).</summary>
    public const int DefaultWidth = 2048;

    /// <summary>Default scan height in pixels (detector column).</summary>
    public const int DefaultHeight = 1024;

    /// <summary>Smallest supported width or height, pixels.</summary>
    public const int MinimumSize = 64;

    /// <summary>Largest supported width or height, pixels.</summary>
    public const int MaximumSize = 16384;

    private const ulong VehicleStream = 1;
    private const ulong ConcealmentStream = 2;
    private const ulong DetectorStream = 3;
    private const ulong TextureStream = 4;
    private const ulong LowEnergyStream = 5;

    /// <summary>
    /// Renders one vehicle radiograph for <paramref name="seed"/>.
    /// </summary>
    /// <param name="seed">Scene seed; any value.</param>
    /// <param name="width">Width in pixels, <see cref="MinimumSize"/>–<see cref="MaximumSize"/>.</param>
    /// <param name="height">Height in pixels, <see cref="MinimumSize"/>–<see cref="MaximumSize"/>.</param>
    /// <param name="withConcealment">Draw one concealment (sometimes two) into the vehicle.</param>
    /// <param name="dualEnergy">Also render the low-energy image.</param>
    /// <param name="kinds">Concealment kinds to choose from; null or empty means all kinds.</param>
    /// <returns>The pixels and the labelled concealment boxes.</returns>
    public static SyntheticRadiograph Render(long seed, int width = DefaultWidth, int height = DefaultHeight, bool withConcealment = false, bool dualEnergy = false, IReadOnlyList<ConcealmentKind>? kinds = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, MinimumSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, MinimumSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(width, MaximumSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(height, MaximumSize);

        var canvas = new AttenuationCanvas(width, height, lowEnergy: dualEnergy);
        var scene = new VehicleScene(canvas, RadiographRandom.ForStream(seed, VehicleStream), RadiographRandom.Mix((ulong)seed, TextureStream));
        scene.Draw();

        var concealments = new List<Concealment>();
        if (withConcealment)
        {
            var random = RadiographRandom.ForStream(seed, ConcealmentStream);
            var choices = kinds is { Count: > 0 } ? kinds : Enum.GetValues<ConcealmentKind>();
            // Concealments are painted on an overlay first, so one hidden behind a saturated structure
            // (axle, engine block) can be rejected: a label must mark something a detector could see.
            var overlay = new AttenuationCanvas(width, height, lowEnergy: dualEnergy);
            var painter = new ConcealmentPainter(overlay, random, scene);
            int wanted = random.Chance(0.15) ? 2 : 1;

            // A kind may have no place in this vehicle (no tank, cargo space off-image): try again or another kind.
            for (int attempt = 0; attempt < 40 && concealments.Count < wanted; attempt++)
            {
                if (painter.Paint(random.Pick(choices)) is not Concealment drawn)
                {
                    continue;
                }

                if (Visibility.TryMeasure(canvas, overlay, drawn.Box, out var visibleBox))
                {
                    overlay.AddTo(canvas, drawn.Box);
                    concealments.Add(drawn with { Box = visibleBox });
                }

                overlay.Clear(drawn.Box);
            }
        }

        var high = DetectorModel.Expose(canvas.High, width, height, DetectorModel.OpenBeamHigh, RadiographRandom.ForStream(seed, DetectorStream));
        var low = dualEnergy ? DetectorModel.Expose(canvas.Low, width, height, DetectorModel.OpenBeamLow, RadiographRandom.ForStream(seed, LowEnergyStream)) : null;
        return new SyntheticRadiograph(width, height, high, low, scene.VehicleType, concealments);
    }
}
