namespace PortScanEdge.Simulation.Radiographs;

/// <summary>
/// A material's linear attenuation coefficients for the two beam energies, per metre of beam path.
/// Values are in the range of a 4–6 MeV linac portal (steel ≈ 27 /m); the low/high ratio grows with atomic
/// number, which is what dual-energy material discrimination reads.
/// </summary>
internal readonly record struct Material(string Name, float HighPerMetre, float LowToHighRatio)
{
    public float LowPerMetre => HighPerMetre * LowToHighRatio;

    public static readonly Material Steel = new("steel", 27f, 1.70f);
    public static readonly Material Aluminium = new("aluminium", 9.5f, 1.45f);
    public static readonly Material Rubber = new("rubber", 5.0f, 1.22f);
    public static readonly Material Glass = new("glass", 6.5f, 1.40f);
    public static readonly Material Diesel = new("diesel", 3.4f, 1.25f);
    public static readonly Material Water = new("water", 4.0f, 1.28f);
    public static readonly Material Wood = new("wood", 2.2f, 1.22f);
    public static readonly Material Paper = new("paper", 1.6f, 1.24f);
    public static readonly Material Sand = new("sand", 7.5f, 1.42f);
    public static readonly Material Plastic = new("plastic", 3.8f, 1.20f);
    public static readonly Material Copper = new("copper", 31f, 1.85f);
    public static readonly Material Organic = new("organic", 4.8f, 1.25f);
    public static readonly Material Lead = new("lead", 52f, 2.60f);
    public static readonly Material Cash = new("paper-bundles", 3.9f, 1.26f);
}
