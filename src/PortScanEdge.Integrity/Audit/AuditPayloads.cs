using PortScanEdge.Core.Configuration;
using PortScanEdge.Core.Transactions;

namespace PortScanEdge.Integrity.Audit;

/// <summary>SHA-256 and size of one evidence file (image or heat map).</summary>
/// <param name="File">File name inside the transaction's evidence (no directories).</param>
/// <param name="Sha256">Lower-case hex SHA-256.</param>
/// <param name="SizeBytes">Size in bytes.</param>
public sealed record EvidenceDigest(string File, string Sha256, long SizeBytes);

/// <summary>Payload of a <c>transaction</c> entry: what a reviewer needs to tie a record and its files to the chain.</summary>
public sealed record TransactionAuditPayload
{
    /// <summary>Transaction ULID.</summary>
    public required string TransactionId { get; init; }

    /// <summary>Site id.</summary>
    public required string SiteId { get; init; }

    /// <summary>Gateway id.</summary>
    public required string GatewayId { get; init; }

    /// <summary>Lane id.</summary>
    public required string LaneId { get; init; }

    /// <summary>Record revision audited.</summary>
    public int Revision { get; init; }

    /// <summary>Stage of the audited record.</summary>
    public TransactionStage Stage { get; init; }

    /// <summary>Outcome, when closed.</summary>
    public TransactionOutcome? Outcome { get; init; }

    /// <summary>When the vehicle arrived.</summary>
    public DateTimeOffset? ArrivedAt { get; init; }

    /// <summary>When the transaction closed.</summary>
    public DateTimeOffset? ClosedAt { get; init; }

    /// <summary>SHA-256 of the record's JSON bytes exactly as archived (<see cref="TransactionJson"/>).</summary>
    public required string RecordSha256 { get; init; }

    /// <summary>Best plate or container-code reading, if any.</summary>
    public string? Plate { get; init; }

    /// <summary>Each scan image with the SHA-256 verified at intake.</summary>
    public IReadOnlyList<EvidenceDigest> Images { get; init; } = [];

    /// <summary>Each heat map with its SHA-256.</summary>
    public IReadOnlyList<EvidenceDigest> HeatMaps { get; init; } = [];

    /// <summary>Model identity (name, version, SHA-256); null when not analysed.</summary>
    public ModelIdentity? Model { get; init; }

    /// <summary>Anomaly score; null when not analysed.</summary>
    public double? Score { get; init; }

    /// <summary>Threshold applied; null when not analysed.</summary>
    public double? Threshold { get; init; }

    /// <summary>Verdict; null when not analysed.</summary>
    public Verdict? Verdict { get; init; }

    /// <summary>Radiation status.</summary>
    public RadiationStatus Radiation { get; init; }

    /// <summary>Hotlist entry matched, if any.</summary>
    public string? HotlistEntry { get; init; }

    /// <summary>Why the machine referred the vehicle.</summary>
    public IReadOnlyList<ReferralReason> ReferralReasons { get; init; } = [];

    /// <summary>The decision, if taken.</summary>
    public DecisionRecord? Decision { get; init; }

    /// <summary>Set when the evidence could not be archived (the entry is written regardless).</summary>
    public string? ArchiveError { get; init; }

    /// <summary>Builds the payload from a record, the SHA-256 of its archived JSON and its heat maps.</summary>
    public static TransactionAuditPayload From(VehicleTransaction transaction, string recordSha256, IReadOnlyList<EvidenceDigest>? heatMaps = null, string? archiveError = null)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var best = transaction.PlateReads.SelectMany(r => r.Candidates).OrderByDescending(c => c.Confidence).FirstOrDefault();
        return new TransactionAuditPayload
        {
            TransactionId = transaction.Id,
            SiteId = transaction.SiteId,
            GatewayId = transaction.GatewayId,
            LaneId = transaction.LaneId,
            Revision = transaction.Revision,
            Stage = transaction.Stage,
            Outcome = transaction.Outcome,
            ArrivedAt = transaction.Timestamps.ArrivedAt,
            ClosedAt = transaction.Timestamps.ClosedAt,
            RecordSha256 = recordSha256,
            Plate = best?.Text,
            Images = transaction.Scan?.Images.Select(i => new EvidenceDigest(i.File, i.Sha256, i.SizeBytes)).ToArray() ?? [],
            HeatMaps = heatMaps ?? [],
            Model = transaction.Analysis?.Model,
            Score = transaction.Analysis?.Score,
            Threshold = transaction.Analysis?.Threshold,
            Verdict = transaction.Analysis?.Verdict,
            Radiation = transaction.Radiation,
            HotlistEntry = transaction.Hotlist?.Entry,
            ReferralReasons = transaction.ReferralReasons,
            Decision = transaction.Decision,
            ArchiveError = archiveError,
        };
    }
}

/// <summary>One transaction deleted from the evidence archive.</summary>
/// <param name="TransactionId">Transaction ULID.</param>
/// <param name="LaneId">Lane id.</param>
/// <param name="RecordSha256">SHA-256 of its archived record (the one its <c>transaction</c> entry names).</param>
/// <param name="SizeBytes">Bytes its evidence took.</param>
public sealed record PrunedTransaction(string TransactionId, string LaneId, string RecordSha256, long SizeBytes);

/// <summary>Payload of an <c>archive_pruned</c> entry, written before the files are deleted.</summary>
/// <param name="Reason">Which limit: <c>audit.archive_retention_days</c> or <c>audit.archive_max_gigabytes</c>, with its value.</param>
/// <param name="Transactions">The transactions deleted (at most <see cref="MaxTransactions"/> per entry).</param>
/// <param name="Bytes">Their total size.</param>
public sealed record ArchivePrunedAuditPayload(string Reason, IReadOnlyList<PrunedTransaction> Transactions, long Bytes)
{
    /// <summary>Most transactions named by one entry; a larger pruning writes several.</summary>
    public const int MaxTransactions = 500;
}

/// <summary>Payload of a <c>decision</c> or <c>override</c> entry.</summary>
/// <param name="TransactionId">Transaction ULID.</param>
/// <param name="LaneId">Lane id.</param>
/// <param name="Action">release or refer.</param>
/// <param name="By">Operator id, or <c>policy</c>.</param>
/// <param name="At">When decided.</param>
/// <param name="Reason">The reason given.</param>
/// <param name="IsOverride">True when a vehicle the machine referred was released.</param>
/// <param name="Supervisor">Supervisor who authorised an override.</param>
/// <param name="ReferralReasons">Why the machine had referred the vehicle (for overrides).</param>
public sealed record DecisionAuditPayload(
    string TransactionId, string LaneId, DecisionAction Action, string By, DateTimeOffset At, string Reason, bool IsOverride, string? Supervisor,
    IReadOnlyList<ReferralReason> ReferralReasons);

/// <summary>One configuration key that changed (values of secret references are references, never secrets).</summary>
/// <param name="Key">Dotted key path, e.g. <c>detection.threshold</c>.</param>
/// <param name="From">Previous value; null when the key was added.</param>
/// <param name="To">New value; null when the key was removed.</param>
public sealed record ConfigChangeItem(string Key, string? From, string? To);

/// <summary>Payload of a <c>config_change</c> entry.</summary>
/// <param name="ConfigPath">The configuration file.</param>
/// <param name="ConfigSha256">SHA-256 of the new file.</param>
/// <param name="PreviousSha256">SHA-256 of the previous file; null when unknown.</param>
/// <param name="Summary">One line: how many keys changed and which.</param>
/// <param name="Changes">Each changed key (at most 200 listed).</param>
public sealed record ConfigChangeAuditPayload(string ConfigPath, string ConfigSha256, string? PreviousSha256, string Summary, IReadOnlyList<ConfigChangeItem> Changes);

/// <summary>Payload of a <c>model_load</c> entry.</summary>
/// <param name="Name">Model name.</param>
/// <param name="Version">Model version.</param>
/// <param name="Sha256">SHA-256 of the model file.</param>
/// <param name="Path">Where it was loaded from.</param>
/// <param name="Outcome">loaded, rejected, …</param>
/// <param name="Detail">Detail (e.g. why it was rejected).</param>
public sealed record ModelLoadAuditPayload(string Name, string Version, string Sha256, string Path, string Outcome, string Detail);

/// <summary>Payload of a <c>device_fault</c> entry.</summary>
/// <param name="DeviceId">Device id.</param>
/// <param name="LaneId">Lane id, if the device serves one.</param>
/// <param name="Fault">Fault code or short name.</param>
/// <param name="Detail">Human-readable detail.</param>
/// <param name="TransactionId">Transaction affected, if any.</param>
public sealed record DeviceFaultAuditPayload(string DeviceId, string? LaneId, string Fault, string Detail, string? TransactionId);

/// <summary>Payload of a <c>command</c> entry.</summary>
/// <param name="Command">Command name (e.g. <c>close_lane</c>).</param>
/// <param name="Source">Where it came from: <c>mqtt</c>, <c>console</c>, <c>cli</c>.</param>
/// <param name="IssuedBy">Who issued it.</param>
/// <param name="CommandId">The command's own id (e.g. MQTT message id), if any.</param>
/// <param name="LaneId">Lane concerned, if any.</param>
/// <param name="TransactionId">Transaction concerned, if any.</param>
/// <param name="Arguments">Arguments as given (no secrets).</param>
/// <param name="Outcome">accepted, rejected, done, failed, …</param>
/// <param name="Detail">Why, or what happened.</param>
public sealed record CommandAuditPayload(
    string Command, string Source, string IssuedBy, string? CommandId, string? LaneId, string? TransactionId,
    IReadOnlyDictionary<string, string>? Arguments, string Outcome, string Detail);

/// <summary>Payload of a <c>gateway_start</c> entry.</summary>
/// <param name="Version">Gateway version line.</param>
/// <param name="SiteId">Site id.</param>
/// <param name="GatewayId">Gateway id.</param>
/// <param name="ConfigPath">Config file.</param>
/// <param name="ConfigSha256">SHA-256 of the config file; empty when it could not be read.</param>
/// <param name="KeyFingerprint">Fingerprint of the signing key.</param>
/// <param name="KeyCreated">True when this start created the key.</param>
/// <param name="PublicKey">The signing key's public half (PEM), so the log names its own key.</param>
/// <param name="Host">Host name.</param>
/// <param name="ProcessId">Process id.</param>
/// <param name="Lanes">Lane ids served.</param>
public sealed record GatewayStartAuditPayload(
    string Version, string SiteId, string GatewayId, string ConfigPath, string ConfigSha256, string KeyFingerprint, bool KeyCreated,
    string PublicKey, string Host, int ProcessId, IReadOnlyList<string> Lanes);

/// <summary>Payload of a <c>gateway_stop</c> entry.</summary>
/// <param name="Reason">Why it stopped.</param>
/// <param name="UptimeSeconds">How long it ran.</param>
public sealed record GatewayStopAuditPayload(string Reason, double UptimeSeconds);

/// <summary>Helpers for the common entries, so every caller writes the same payload shapes.</summary>
public static class AuditLogExtensions
{
    /// <summary>Records a transaction (normally the closed one) with the SHA-256 of its archived JSON and its heat maps.</summary>
    public static Task<AuditEntry> AppendTransactionAsync(this IAuditLog log, VehicleTransaction transaction, string recordSha256,
        IReadOnlyList<EvidenceDigest>? heatMaps = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(log);
        return log.AppendAsync(AuditKind.Transaction, TransactionAuditPayload.From(transaction, recordSha256, heatMaps), cancellationToken);
    }

    /// <summary>Records a decision: kind <c>override</c> when <see cref="DecisionRecord.IsOverride"/>, otherwise <c>decision</c>.</summary>
    public static Task<AuditEntry> AppendDecisionAsync(this IAuditLog log, VehicleTransaction transaction, DecisionRecord decision, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(decision);
        var payload = new DecisionAuditPayload(transaction.Id, transaction.LaneId, decision.Action, decision.By, decision.At, decision.Reason,
            decision.IsOverride, decision.Supervisor, transaction.ReferralReasons);
        return log.AppendAsync(decision.IsOverride ? AuditKind.Override : AuditKind.Decision, payload, cancellationToken);
    }

    /// <summary>Records a configuration change with its hash and a summary of what changed.</summary>
    public static Task<AuditEntry> AppendConfigChangeAsync(this IAuditLog log, string configPath, string configSha256, string? previousSha256,
        IReadOnlyList<ConfigChangeItem> changes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(changes);
        var listed = changes.Take(ConfigSnapshot.MaxListedChanges).ToArray();
        var summary = changes.Count == 0
            ? "file changed; no setting changed"
            : $"{changes.Count} setting{(changes.Count == 1 ? string.Empty : "s")} changed: " +
              string.Join(", ", changes.Take(10).Select(c => c.Key)) + (changes.Count > 10 ? ", …" : string.Empty);
        return log.AppendAsync(AuditKind.ConfigChange, new ConfigChangeAuditPayload(configPath, configSha256, previousSha256, summary, listed), cancellationToken);
    }

    /// <summary>Records a model load (or a rejected one).</summary>
    public static Task<AuditEntry> AppendModelLoadAsync(this IAuditLog log, ModelIdentity model, string path, string outcome = "loaded", string detail = "",
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(model);
        return log.AppendAsync(AuditKind.ModelLoad, new ModelLoadAuditPayload(model.Name, model.Version, model.Sha256, path, outcome, detail), cancellationToken);
    }

    /// <summary>Records a device fault.</summary>
    public static Task<AuditEntry> AppendDeviceFaultAsync(this IAuditLog log, string deviceId, string? laneId, string fault, string detail,
        string? transactionId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(log);
        return log.AppendAsync(AuditKind.DeviceFault, new DeviceFaultAuditPayload(deviceId, laneId, fault, detail, transactionId), cancellationToken);
    }

    /// <summary>Records a command received and its outcome.</summary>
    public static Task<AuditEntry> AppendCommandAsync(this IAuditLog log, CommandAuditPayload command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(log);
        return log.AppendAsync(AuditKind.Command, command, cancellationToken);
    }
}
