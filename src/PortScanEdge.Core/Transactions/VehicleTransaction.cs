using PortScanEdge.Core.Configuration;

namespace PortScanEdge.Core.Transactions;

/// <summary>
/// One vehicle through one lane: the unit that is recorded, published, shown and audited. Immutable; the lane
/// produces a new version at each step (<see cref="Revision"/> counts them). Serialised with
/// <see cref="TransactionJson"/>; the JSON shape is part of the MQTT API (docs/asyncapi.yaml) and of review bundles.
/// </summary>
public sealed record VehicleTransaction
{
    /// <summary>ULID assigned when the vehicle is first detected; stable for the transaction's life.</summary>
    public required string Id { get; init; }

    /// <summary>Site id (config <c>site.id</c>).</summary>
    public required string SiteId { get; init; }

    /// <summary>Gateway id (config <c>gateway.id</c>).</summary>
    public required string GatewayId { get; init; }

    /// <summary>Lane id.</summary>
    public required string LaneId { get; init; }

    /// <summary>Direction of traffic through the lane.</summary>
    public required LaneDirection Direction { get; init; }

    /// <summary>Increases by one with every new version of the record.</summary>
    public int Revision { get; init; }

    /// <summary>Where the transaction stands now.</summary>
    public TransactionStage Stage { get; init; } = TransactionStage.Arriving;

    /// <summary>UTC timestamps of each step reached.</summary>
    public TransactionTimestamps Timestamps { get; init; } = new();

    /// <summary>Plate and container-code reads from every reader, best candidate first.</summary>
    public IReadOnlyList<PlateReadRecord> PlateReads { get; init; } = [];

    /// <summary>The scan and its images; null until the scanner reports completion.</summary>
    public ScanRecord? Scan { get; init; }

    /// <summary>The detector's analysis; null until analysed.</summary>
    public AnalysisRecord? Analysis { get; init; }

    /// <summary>Radiation portal monitor status while the vehicle passed.</summary>
    public RadiationStatus Radiation { get; init; } = RadiationStatus.Clear;

    /// <summary>The hotlist entry that matched, if any.</summary>
    public HotlistHit? Hotlist { get; init; }

    /// <summary>Why the machine referred the vehicle (empty when it did not).</summary>
    public IReadOnlyList<ReferralReason> ReferralReasons { get; init; } = [];

    /// <summary>The operator's (or the policy's) decision; null until decided.</summary>
    public DecisionRecord? Decision { get; init; }

    /// <summary>How the transaction ended; null while it is open.</summary>
    public TransactionOutcome? Outcome { get; init; }

    /// <summary>The failure that will be the outcome once the operator has decided; null when no step failed.</summary>
    public TransactionOutcome? Failure { get; init; }

    /// <summary>Human-readable detail of the failure or outcome (e.g. the fault text); empty when none.</summary>
    public string OutcomeDetail { get; init; } = string.Empty;

    /// <summary>Which scan of this vehicle this record holds: 1, or more after re-scans the control room asked for.</summary>
    public int ScanAttempt { get; init; } = 1;

    /// <summary>For a re-scan: the id of the vehicle's previous record (closed as <see cref="TransactionOutcome.RescanRequested"/>); null otherwise.</summary>
    public string? RescanOf { get; init; }
}

/// <summary>Steps of a vehicle transaction, in order.</summary>
public enum TransactionStage
{
    /// <summary>Entry loop triggered; the vehicle is arriving.</summary>
    Arriving,

    /// <summary>Collecting plate reads.</summary>
    Identifying,

    /// <summary>The scanner is scanning.</summary>
    Scanning,

    /// <summary>The radiograph is being analysed.</summary>
    Analysing,

    /// <summary>Waiting for an operator decision.</summary>
    AwaitingDecision,

    /// <summary>Barrier open, waiting for the exit loop.</summary>
    Releasing,

    /// <summary>Finished; see <see cref="VehicleTransaction.Outcome"/>.</summary>
    Closed,
}

/// <summary>UTC timestamps of each step; null until reached.</summary>
public sealed record TransactionTimestamps
{
    /// <summary>Entry loop triggered.</summary>
    public DateTimeOffset? ArrivedAt { get; init; }

    /// <summary>Plate reads finished.</summary>
    public DateTimeOffset? IdentifiedAt { get; init; }

    /// <summary>Scan started.</summary>
    public DateTimeOffset? ScanStartedAt { get; init; }

    /// <summary>Scanner announced the image (scan complete).</summary>
    public DateTimeOffset? ScanCompletedAt { get; init; }

    /// <summary>Analysis finished.</summary>
    public DateTimeOffset? AnalysedAt { get; init; }

    /// <summary>Decision taken.</summary>
    public DateTimeOffset? DecidedAt { get; init; }

    /// <summary>Barrier opened.</summary>
    public DateTimeOffset? ReleasedAt { get; init; }

    /// <summary>Transaction closed.</summary>
    public DateTimeOffset? ClosedAt { get; init; }
}

/// <summary>One plate or container-code read.</summary>
/// <param name="ReaderId">The reader's device id.</param>
/// <param name="Position">Front or rear.</param>
/// <param name="At">When it was read.</param>
/// <param name="Candidates">Top-N candidates, best first.</param>
public sealed record PlateReadRecord(string ReaderId, PlateReaderPosition Position, DateTimeOffset At, IReadOnlyList<PlateCandidateRecord> Candidates);

/// <summary>One candidate reading.</summary>
/// <param name="Text">Plate or container code as read.</param>
/// <param name="Confidence">Reader confidence, 0..1.</param>
/// <param name="IsContainerCode">True when the text is an ISO 6346 container code.</param>
/// <param name="CheckDigitValid">For container codes: whether the mod-11 check digit matches; null otherwise.</param>
public sealed record PlateCandidateRecord(string Text, double Confidence, bool IsContainerCode, bool? CheckDigitValid);

/// <summary>The scan as announced and verified.</summary>
/// <param name="ScannerId">The scanner's device id.</param>
/// <param name="Energy">single or dual.</param>
/// <param name="Images">Each image file with its verified hash.</param>
public sealed record ScanRecord(string ScannerId, string Energy, IReadOnlyList<ScanImageRecord> Images);

/// <summary>One image file of a scan.</summary>
/// <param name="File">File name in the spool directory.</param>
/// <param name="Sha256">Lower-case hex SHA-256 as verified.</param>
/// <param name="SizeBytes">Size in bytes.</param>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
/// <param name="BitDepth">Bits per pixel (8 or 16).</param>
/// <param name="Energy">single, low or high.</param>
public sealed record ScanImageRecord(string File, string Sha256, long SizeBytes, int Width, int Height, int BitDepth, string Energy);

/// <summary>The detector's result for the scan.</summary>
/// <param name="Score">Image anomaly score.</param>
/// <param name="Threshold">Threshold applied.</param>
/// <param name="Verdict">clear or alert.</param>
/// <param name="Regions">Regions of interest, strongest first, in radiograph pixels.</param>
/// <param name="Model">Model identity.</param>
/// <param name="TimingsMilliseconds">Stage timings: decode, preprocess, infer, postprocess.</param>
public sealed record AnalysisRecord(
    double Score,
    double Threshold,
    Verdict Verdict,
    IReadOnlyList<RegionRecord> Regions,
    ModelIdentity Model,
    IReadOnlyDictionary<string, double> TimingsMilliseconds);

/// <summary>The detector's verdict.</summary>
public enum Verdict
{
    /// <summary>Score below the threshold.</summary>
    Clear,

    /// <summary>Score at or above the threshold.</summary>
    Alert,
}

/// <summary>A region of interest.</summary>
/// <param name="X">Left, pixels.</param>
/// <param name="Y">Top, pixels.</param>
/// <param name="Width">Width, pixels.</param>
/// <param name="Height">Height, pixels.</param>
/// <param name="Peak">Highest anomaly-map value inside.</param>
/// <param name="AreaPixels">Pixels over the pixel threshold.</param>
public sealed record RegionRecord(int X, int Y, int Width, int Height, double Peak, long AreaPixels);

/// <summary>Which model produced an analysis.</summary>
/// <param name="Name">Model name.</param>
/// <param name="Version">Model version.</param>
/// <param name="Sha256">SHA-256 of the model file, lower-case hex.</param>
public sealed record ModelIdentity(string Name, string Version, string Sha256);

/// <summary>Radiation portal monitor status.</summary>
public enum RadiationStatus
{
    /// <summary>No alarm while the vehicle passed.</summary>
    Clear,

    /// <summary>The alarm contact was asserted while the vehicle passed.</summary>
    Alarm,

    /// <summary>The lane has no radiation monitor or its state is unknown.</summary>
    Unknown,
}

/// <summary>A hotlist match.</summary>
/// <param name="Entry">The hotlist entry that matched.</param>
/// <param name="MatchedText">The candidate text that matched it.</param>
/// <param name="Note">The technician's note for the entry, if any.</param>
public sealed record HotlistHit(string Entry, string MatchedText, string Note);

/// <summary>Why the machine referred a vehicle.</summary>
public enum ReferralReason
{
    /// <summary>The detector's verdict was alert.</summary>
    AnomalyAlert,

    /// <summary>The radiation monitor alarmed.</summary>
    RadiationAlarm,

    /// <summary>A plate or container code is on the hotlist.</summary>
    HotlistHit,

    /// <summary>The site's policy asks an operator about every vehicle.</summary>
    PolicyAlwaysAsk,

    /// <summary>No plate or container code was read.</summary>
    NoPlateRead,

    /// <summary>A step failed (scan, image integrity, analysis, e-stop...): see the outcome detail.</summary>
    StepFailed,

    /// <summary>The vehicle was scanned again at the control room's request: an operator decides, whatever the new scan shows (releasing it is an override).</summary>
    Rescanned,
}

/// <summary>A release or referral decision.</summary>
/// <param name="Action">release or refer.</param>
/// <param name="By">Operator id, or <c>policy</c> for automatic release.</param>
/// <param name="At">When it was decided.</param>
/// <param name="Reason">Free-text reason (required for overrides).</param>
/// <param name="IsOverride">True when a vehicle the machine referred was released.</param>
/// <param name="Supervisor">The supervisor who authorised an override, if any.</param>
public sealed record DecisionRecord(DecisionAction Action, string By, DateTimeOffset At, string Reason, bool IsOverride, string? Supervisor);

/// <summary>What was decided.</summary>
public enum DecisionAction
{
    /// <summary>Let the vehicle go.</summary>
    Release,

    /// <summary>Send the vehicle to secondary inspection.</summary>
    Refer,
}

/// <summary>How a transaction ended.</summary>
public enum TransactionOutcome
{
    /// <summary>Released (automatically or by an operator).</summary>
    Released,

    /// <summary>Referred to secondary inspection.</summary>
    Referred,

    /// <summary>The scan did not complete in time.</summary>
    ScanTimeout,

    /// <summary>The scanner reported a fault.</summary>
    ScannerFault,

    /// <summary>The announced image was missing, late, or did not match its size or hash.</summary>
    ImageIntegrityFailed,

    /// <summary>The image could not be analysed (rejected or detector failure).</summary>
    AnalysisFailed,

    /// <summary>Emergency stop.</summary>
    EmergencyStop,

    /// <summary>A scan could not start because an interlock was open.</summary>
    InterlockOpen,

    /// <summary>The vehicle did not clear the exit loop in time.</summary>
    ExitTimeout,

    /// <summary>The control room closed the lane while the vehicle was in it.</summary>
    LaneClosed,

    /// <summary>The gateway stopped while the vehicle was in the lane.</summary>
    GatewayStopped,

    /// <summary>
    /// The control room asked for the vehicle to be scanned again while it awaited a decision: this record closes
    /// with everything it held, the barrier stays down, and a new record (its <see cref="VehicleTransaction.RescanOf"/>
    /// naming this one) scans the same vehicle again.
    /// </summary>
    RescanRequested,
}
