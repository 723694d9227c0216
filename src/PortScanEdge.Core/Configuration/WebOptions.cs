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

    [Doc("Operator credentials file (salted PBKDF2 hashes, written by 'portscan-edge operators add'); relative paths are resolved against the config directory. Empty: nobody can sign in, so nobody can decide at the console.")]
    public string CredentialsFile { get; set; } = "operators.db";

    [Doc("A signed-in operator is signed out after this long without a request (the live page keeps the session alive only while it sends requests).")]
    public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromMinutes(15);

    [Doc("Failed sign-ins allowed per operator id within sign_in_lockout before further attempts for that id are refused; a client address gets four times as many.")]
    [Bounds(1, 100)]
    public int SignInAttempts { get; set; } = 5;

    [Doc("How long failed sign-ins are remembered, and how long a locked-out operator id or client address waits.")]
    public TimeSpan SignInLockout { get; set; } = TimeSpan.FromMinutes(5);

    [Doc("Longest side, in pixels, of radiograph and heat-map previews sent to the browser.")]
    [Bounds(128, 4096)]
    public int PreviewMaxPixels { get; set; } = 1280;

    [Doc("Longest side, in pixels, of a full-resolution image sent to the browser on demand (larger images are scaled down to this).")]
    [Bounds(256, 16384)]
    public int FullMaxPixels { get; set; } = 4096;
}
