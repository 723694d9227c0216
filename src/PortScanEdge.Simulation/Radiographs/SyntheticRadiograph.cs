namespace PortScanEdge.Simulation.Radiographs;

/// <summary>
/// One rendered transmission radiograph. Pixel value = transmitted intensity on 16 bits: open air is
/// bright (≈ 0.85 × 65535), dense material is dark. Rows are detector elements (top to bottom), columns
/// are successive beam pulses as the vehicle drives through (front of the vehicle to the right).
/// </summary>
public sealed class SyntheticRadiograph
{
    internal SyntheticRadiograph(int width, int height, ushort[] highEnergy, ushort[]? lowEnergy, string vehicleType, IReadOnlyList<Concealment> concealments)
    {
        Width = width;
        Height = height;
        HighEnergy = highEnergy;
        LowEnergy = lowEnergy;
        VehicleType = vehicleType;
        Concealments = concealments;
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>High-energy transmitted intensity, row-major, <see cref="Width"/> × <see cref="Height"/>. The caller owns the array.</summary>
    public ushort[] HighEnergy { get; }

    /// <summary>Low-energy image of a dual-energy scan, or null for a single-energy scan.</summary>
    public ushort[]? LowEnergy { get; }

    /// <summary>The vehicle type drawn (car, van, box-truck, semi-box, tanker, flatbed-container).</summary>
    public string VehicleType { get; }

    /// <summary>The concealments drawn; empty for a normal (clean) vehicle.</summary>
    public IReadOnlyList<Concealment> Concealments { get; }

    /// <summary>True when at least one concealment was drawn (label 1).</summary>
    public bool IsAnomalous => Concealments.Count > 0;

    /// <summary>The labelled boxes, in radiograph pixels.</summary>
    public IEnumerable<PixelBox> Boxes => Concealments.Select(c => c.Box);
}
