using PortScanEdge.Tests;

namespace PortScanEdge.Messaging.Tests.Infrastructure;

/// <summary>A CA, a broker certificate for DNS:localhost only, and client certificates, made with openssl.</summary>
internal sealed class TestCertificates
{
    private TestCertificates(string directory) => Directory = directory;

    public string Directory { get; }

    public string Ca => Path.Combine(Directory, "ca.pem");

    public string ServerCert => Path.Combine(Directory, "server.pem");

    public string ServerKey => Path.Combine(Directory, "server.key");

    public string Cert(string name) => Path.Combine(Directory, name + ".pem");

    public string Key(string name) => Path.Combine(Directory, name + ".key");

    public static async Task<TestCertificates> CreateAsync(params string[] clients)
    {
        var directory = TempDirectory.Create("tls");
        var certificates = new TestCertificates(directory);
        await OpenSslAsync(directory, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=PortScanEdge Test CA");
        await IssueAsync(directory, "server", "/CN=localhost", "subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n");
        foreach (var client in clients)
        {
            await IssueAsync(directory, client, "/CN=" + client, "extendedKeyUsage=clientAuth\n");
        }

        // Test keys only: readable by the broker even when it drops root privileges.
        foreach (var key in System.IO.Directory.GetFiles(directory, "*.key"))
        {
            File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }

        return certificates;
    }

    private static async Task IssueAsync(string directory, string name, string subject, string extensions)
    {
        await File.WriteAllTextAsync(Path.Combine(directory, name + ".ext"), extensions);
        await OpenSslAsync(directory, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", name + ".key", "-out", name + ".csr", "-subj", subject);
        await OpenSslAsync(directory, "x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", name + ".pem", "-days", "2", "-extfile", name + ".ext");
    }

    private static async Task OpenSslAsync(string directory, params string[] args)
    {
        var (exitCode, _, stderr) = await ShellProcess.RunAsync("openssl", args, TimeSpan.FromMinutes(1), workingDirectory: directory);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"openssl {string.Join(' ', args)} failed: {stderr}");
        }
    }
}
