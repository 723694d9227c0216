namespace PortScanEdge.Core.Configuration;

/// <summary>The tamper-evident audit log, its checkpoints and the evidence archive review bundles are built from.</summary>
public sealed class AuditOptions
{
    [Doc("Audit log file (JSON lines, append-only, hash-chained and signed; see docs/audit-log.md); relative paths are resolved against gateway.data_dir.")]
    public string Path { get; set; } = "audit/audit.log";

    [Doc("ECDSA P-256 signing key (PEM), created with 0600 permissions on first start; relative paths are resolved against gateway.data_dir.")]
    public string KeyFile { get; set; } = "audit/gateway-key.pem";

    [Doc("Passphrase protecting the key file, as ${ENV_NAME} or file:/path; empty stores the key unencrypted (0600).")]
    public SecretReference? KeyPassphrase { get; set; }

    [Doc("How often the chain head is signed and published as a checkpoint (only when it has moved); one is always published at start and on shutdown.")]
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromMinutes(1);

    [Doc("Local copy of every checkpoint (JSON lines), used by 'portscan-edge export'; relative paths are resolved against gateway.data_dir.")]
    public string CheckpointFile { get; set; } = "audit/checkpoints.jsonl";

    [Doc("Evidence archive: each closed transaction's record, images and heat maps, from which review bundles are exported; relative paths are resolved against gateway.data_dir.")]
    public string ArchiveDir { get; set; } = "archive";

    [Doc("Keep archived evidence at most this many days; older transactions are deleted, oldest first, each deletion recorded in the audit log (archive_pruned). 0 keeps everything.")]
    [Bounds(0, 36_500)]
    public int ArchiveRetentionDays { get; set; }

    [Doc("Keep the evidence archive under this many gigabytes by deleting the oldest transactions, each deletion recorded in the audit log (archive_pruned). 0 sets no limit. Transactions younger than an hour are never deleted.")]
    [Bounds(0, 1_000_000)]
    public double ArchiveMaxGigabytes { get; set; }
}
