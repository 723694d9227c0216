namespace PortScanEdge.Core.Configuration;

/// <summary>The tamper-evident audit log.</summary>
public sealed class AuditOptions
{
    [Doc("Audit log file; relative paths are resolved against gateway.data_dir.")]
    public string Path { get; set; } = "audit/audit.log";

    [Doc("ECDSA P-256 signing key (PEM), created with 0600 permissions on first start; relative paths are resolved against gateway.data_dir.")]
    public string KeyFile { get; set; } = "audit/gateway-key.pem";

    [Doc("Passphrase protecting the key file, as ${ENV_NAME} or file:/path; empty stores the key unencrypted (0600).")]
    public SecretReference? KeyPassphrase { get; set; }

    [Doc("How often the chain head is published as a checkpoint.")]
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromMinutes(1);
}
