namespace PortScanEdge.Core.Configuration;

/// <summary>The operator console.</summary>
public sealed class WebOptions
{
    [Doc("True to serve the operator console.")]
    public bool Enabled { get; set; } = true;

    [Doc("Address to listen on (127.0.0.1 for the booth screen only, 0.0.0.0 for the lane network).")]
    public string Bind { get; set; } = "127.0.0.1";

    [Doc("TCP port.")]
    [Bounds(1, 65535)]
    public int Port { get; set; } = 8080;

    [Doc("PFX/PEM certificate for HTTPS; empty serves plain HTTP.")]
    public string CertificateFile { get; set; } = string.Empty;

    [Doc("Password of the certificate, as ${ENV_NAME} or file:/path.")]
    public SecretReference? CertificatePassword { get; set; }
}
