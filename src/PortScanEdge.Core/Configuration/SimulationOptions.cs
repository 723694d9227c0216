namespace PortScanEdge.Core.Configuration;

/// <summary>The simulated lane: emulators, simulated GPIO and a traffic generator.</summary>
public sealed class SimulationOptions
{
    [Doc("True to run device emulators and generated traffic (the demo); never in production.")]
    public bool Enabled { get; set; }

    [Doc("Seed of the traffic generator; the same seed gives the same traffic.")]
    public int Seed { get; set; } = 1;

    [Doc("Mean time between vehicles.")]
    public TimeSpan VehicleInterval { get; set; } = TimeSpan.FromSeconds(6);

    [Doc("Share of vehicles carrying a concealment, 0..1.")]
    [Bounds(0, 1)]
    public double AnomalyRate { get; set; } = 0.2;

    [Doc("Share of vehicles whose plate is on the hotlist, 0..1.")]
    [Bounds(0, 1)]
    public double HotlistRate { get; set; } = 0.05;

    [Doc("Share of vehicles that meet an injected device fault, 0..1.")]
    [Bounds(0, 1)]
    public double FaultRate { get; set; } = 0.02;

    [Doc("The simulated operator refers a vehicle still awaiting a decision after this long (so the demo keeps moving); 0s never decides.")]
    public TimeSpan OperatorDecisionDelay { get; set; } = TimeSpan.FromSeconds(8);

    [Doc("Directory of radiographs to replay instead of generating them: a labels.csv (file,label,boxes, as `portscan-edge synth` writes) and the 16-bit PNGs it lists, e.g. a site's own labelled scans. Vehicles with a concealment get a label-1 image, others a label-0 one. Empty generates every radiograph.")]
    public string Images { get; set; } = string.Empty;

    [Doc("Width in pixels of the generated radiographs (along the vehicle).")]
    [Bounds(64, 16384)]
    public int ImageWidth { get; set; } = 2048;

    [Doc("Height in pixels of the generated radiographs.")]
    [Bounds(64, 8192)]
    public int ImageHeight { get; set; } = 1024;
}
