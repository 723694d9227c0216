using PortScanEdge.Core.Lanes;
using PortScanEdge.Core.Transactions;
using PortScanEdge.Devices.Health;
using PortScanEdge.Host.Lanes;

namespace PortScanEdge.Host.Web;

/// <summary>What the console page shows, serialised with <see cref="TransactionJson.Options"/> (snake_case).</summary>
/// <param name="SignedIn">The signed-in operator, or null.</param>
/// <param name="Lanes">Every running lane.</param>
/// <param name="Devices">Device health.</param>
public sealed record ConsoleSnapshot(SignedInView? SignedIn, IReadOnlyList<LaneView> Lanes, IReadOnlyList<DeviceView> Devices);

/// <summary>Who is signed in.</summary>
/// <param name="OperatorId">Operator id.</param>
/// <param name="Role">Role.</param>
public sealed record SignedInView(string OperatorId, OperatorRole Role);

/// <summary>One lane. Vehicle details (plates, images, history) are only filled in for a signed-in operator.</summary>
/// <param name="LaneId">Lane id.</param>
/// <param name="State">Lane state.</param>
/// <param name="Detail">State detail.</param>
/// <param name="Alert">True while the current vehicle waits for a decision and the machine referred it.</param>
/// <param name="Current">The current vehicle, or null.</param>
/// <param name="Recent">The last vehicles, newest first (empty when not signed in).</param>
public sealed record LaneView(string LaneId, LaneState State, string Detail, bool Alert, VehicleView? Current, IReadOnlyList<RecentView> Recent);

/// <summary>A vehicle in the lane.</summary>
/// <param name="Id">Transaction id.</param>
/// <param name="Stage">Stage.</param>
/// <param name="ReferralReasons">Why the machine referred it.</param>
/// <param name="MachineReferred">True when releasing it is an override.</param>
/// <param name="Plates">Plate and container candidates, best first (signed in only).</param>
/// <param name="Analysis">Score, threshold, verdict and regions (signed in only).</param>
/// <param name="Radiation">Radiation status.</param>
/// <param name="Hotlist">The hotlist hit (signed in only).</param>
/// <param name="HasImage">True when a radiograph can be fetched.</param>
/// <param name="HasOverlay">True when a heat-map overlay can be fetched.</param>
/// <param name="Decision">The decision, once taken.</param>
public sealed record VehicleView(
    string Id,
    TransactionStage Stage,
    IReadOnlyList<ReferralReason> ReferralReasons,
    bool MachineReferred,
    IReadOnlyList<PlateView> Plates,
    AnalysisView? Analysis,
    RadiationStatus Radiation,
    HotlistHit? Hotlist,
    bool HasImage,
    bool HasOverlay,
    DecisionRecord? Decision);

/// <summary>One plate candidate.</summary>
/// <param name="Text">Text read.</param>
/// <param name="Confidence">0..1.</param>
/// <param name="IsContainerCode">True for an ISO 6346 container code.</param>
/// <param name="CheckDigitValid">Container check digit result, or null.</param>
/// <param name="ReaderId">Which reader.</param>
public sealed record PlateView(string Text, double Confidence, bool IsContainerCode, bool? CheckDigitValid, string ReaderId);

/// <summary>The detector's result.</summary>
/// <param name="Score">Score.</param>
/// <param name="Threshold">Threshold.</param>
/// <param name="Verdict">Verdict.</param>
/// <param name="Regions">Regions of interest.</param>
public sealed record AnalysisView(double Score, double Threshold, Verdict Verdict, IReadOnlyList<RegionRecord> Regions);

/// <summary>A finished vehicle.</summary>
/// <param name="Id">Transaction id.</param>
/// <param name="ClosedAt">When it closed.</param>
/// <param name="Plate">Best plate candidate, or empty.</param>
/// <param name="Score">Score, or null.</param>
/// <param name="Threshold">The threshold the score was judged against, or null.</param>
/// <param name="Outcome">Outcome.</param>
/// <param name="DecidedBy">Who decided.</param>
/// <param name="IsOverride">True for an override.</param>
public sealed record RecentView(string Id, DateTimeOffset? ClosedAt, string Plate, double? Score, double? Threshold, TransactionOutcome? Outcome, string? DecidedBy, bool IsOverride);

/// <summary>One device's health.</summary>
/// <param name="DeviceId">Device id.</param>
/// <param name="Kind">Kind.</param>
/// <param name="State">State.</param>
/// <param name="Reason">Why.</param>
public sealed record DeviceView(string DeviceId, DeviceKind Kind, DeviceHealthState State, string Reason);

/// <summary>Builds <see cref="ConsoleSnapshot"/>s from the lane hub and the device health monitor.</summary>
internal sealed class LaneViewBuilder(LaneHub hub, LaneRegistry registry, DeviceHealthMonitor health, WorkingCopies files)
{
    public ConsoleSnapshot Build(ConsoleSession? session)
    {
        var signedIn = session is not null;
        var lanes = new List<LaneView>();
        foreach (var lane in registry.Lanes)
        {
            var state = hub.StateOf(lane.LaneId);
            var current = hub.CurrentOf(lane.LaneId);
            var vehicle = current is null ? null : Vehicle(current, signedIn);
            var alert = current is not null && current.Stage == TransactionStage.AwaitingDecision && DecisionRules.IsMachineReferred(current);
            IReadOnlyList<RecentView> recent = signedIn ? [.. hub.RecentOf(lane.LaneId).Select(Recent)] : [];
            lanes.Add(new LaneView(lane.LaneId, state?.State ?? LaneState.Idle, state?.Detail ?? string.Empty, alert, vehicle, recent));
        }

        IReadOnlyList<DeviceView> devices = [.. health.Snapshot().Select(d => new DeviceView(d.DeviceId, d.Kind, d.State, d.Reason))];
        return new ConsoleSnapshot(session is null ? null : new SignedInView(session.OperatorId, session.Role), lanes, devices);
    }

    /// <summary>The open transaction of a lane, or null.</summary>
    public VehicleTransaction? CurrentOf(string laneId) => hub.CurrentOf(laneId);

    /// <summary>The transaction with this id if the hub still holds it (current or recent on any lane), else null.</summary>
    public VehicleTransaction? FindKnown(string transactionId)
    {
        foreach (var lane in registry.Lanes)
        {
            var current = hub.CurrentOf(lane.LaneId);
            if (current?.Id == transactionId)
            {
                return current;
            }

            foreach (var recent in hub.RecentOf(lane.LaneId))
            {
                if (recent.Id == transactionId)
                {
                    return recent;
                }
            }
        }

        return null;
    }

    /// <summary>The radiograph file of a transaction (its working copy, or the archive's once it is archived), or null.</summary>
    public string? RadiographPath(VehicleTransaction transaction)
    {
        var image = transaction.Scan?.Images.Count > 0 ? transaction.Scan.Images[0] : null;
        return image is null ? null : files.FindImage(transaction, image.File);
    }

    /// <summary>The heat-map overlay file of a transaction (working copy or archived), or null.</summary>
    public string? OverlayPath(VehicleTransaction transaction) => files.FindOverlay(transaction);

    private VehicleView Vehicle(VehicleTransaction t, bool signedIn)
    {
        var plates = new List<PlateView>();
        if (signedIn)
        {
            foreach (var read in t.PlateReads)
            {
                foreach (var candidate in read.Candidates)
                {
                    plates.Add(new PlateView(candidate.Text, candidate.Confidence, candidate.IsContainerCode, candidate.CheckDigitValid, read.ReaderId));
                }
            }

            plates.Sort((a, b) => b.Confidence.CompareTo(a.Confidence));
        }

        var analysis = signedIn && t.Analysis is { } a ? new AnalysisView(a.Score, a.Threshold, a.Verdict, [.. a.Regions.Take(10)]) : null;
        return new VehicleView(
            t.Id,
            t.Stage,
            t.ReferralReasons,
            DecisionRules.IsMachineReferred(t),
            plates,
            analysis,
            t.Radiation,
            signedIn ? t.Hotlist : null,
            signedIn && RadiographPath(t) is not null,
            signedIn && OverlayPath(t) is not null,
            signedIn ? t.Decision : null);
    }

    private static RecentView Recent(VehicleTransaction t)
    {
        var plate = t.PlateReads.SelectMany(r => r.Candidates).OrderByDescending(c => c.Confidence).FirstOrDefault()?.Text ?? string.Empty;
        return new RecentView(t.Id, t.Timestamps.ClosedAt, plate, t.Analysis?.Score, t.Analysis?.Threshold, t.Outcome, t.Decision?.By, t.Decision?.IsOverride ?? false);
    }
}
