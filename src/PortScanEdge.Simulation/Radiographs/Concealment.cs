namespace PortScanEdge.Simulation.Radiographs;

/// <summary>Where and how contraband is hidden in a synthetic vehicle.</summary>
public enum ConcealmentKind
{
    /// <summary>A wrapped brick stack inside a tyre, between rim and tread.</summary>
    TyrePackage,

    /// <summary>A weighted package floating in the fuel tank.</summary>
    FuelTankPackage,

    /// <summary>A false wall or floor section: a second steel skin with packed goods between.</summary>
    WallCompartment,

    /// <summary>A stack of dense bricks among otherwise uniform cargo.</summary>
    CargoBricks,

    /// <summary>An irregular low-density organic mass (bulk drugs, a stowaway-sized mass) in cargo or cab.</summary>
    OrganicMass,

    /// <summary>A small very dense shielded object (lead/copper cylinder) in cargo.</summary>
    ShieldedCylinder,
}

/// <summary>One concealment drawn into a radiograph.</summary>
/// <param name="Kind">What kind of hiding place and payload.</param>
/// <param name="Material">Payload material name (for analysis per material; never used in training).</param>
/// <param name="Box">Tight box of the pixels the payload changed (before detector blur), in radiograph pixels.</param>
public sealed record Concealment(ConcealmentKind Kind, string Material, PixelBox Box);
