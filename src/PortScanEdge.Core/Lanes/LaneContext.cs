using PortScanEdge.Core.Configuration;

namespace PortScanEdge.Core.Lanes;

/// <summary>The fixed facts about one lane that its state machine needs.</summary>
/// <param name="SiteId">Site id.</param>
/// <param name="GatewayId">Gateway id.</param>
/// <param name="LaneId">Lane id.</param>
/// <param name="Direction">Direction of traffic.</param>
/// <param name="PlateReaderIds">The lane's plate readers; identification ends early once each has read.</param>
/// <param name="HasRadiationMonitor">True when a radiation alarm contact is wired.</param>
/// <param name="HasExitLoop">True when an exit loop is wired; otherwise release ends when the barrier has been open for the exit timeout.</param>
/// <param name="Control">Policy and timeouts.</param>
public sealed record LaneContext(
    string SiteId,
    string GatewayId,
    string LaneId,
    LaneDirection Direction,
    IReadOnlyList<string> PlateReaderIds,
    bool HasRadiationMonitor,
    bool HasExitLoop,
    LaneControlOptions Control);
