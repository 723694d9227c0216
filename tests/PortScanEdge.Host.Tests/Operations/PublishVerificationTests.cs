namespace PortScanEdge.Host.Tests.Operations;

/// <summary>
/// The checks of <c>deploy/scripts/publish.sh --verify-only</c> on a hand-assembled output directory: the arm64
/// native libraries from the NuGet packages this build restored pass, an x86-64 library in an arm64 output and a
/// missing library are each reported. (A full arm64 publish takes minutes here; it is <c>publish.sh</c> itself.)
/// </summary>
public sealed class PublishVerificationTests : IDisposable
{
    private static readonly string BuildOutput = Path.GetDirectoryName(typeof(PublishVerificationTests).Assembly.Location)!;
    private static readonly string SharedRuntime = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
    private readonly string _out = Directory.CreateTempSubdirectory("portscan-publish-").FullName;

    private string Arm64 => Path.Combine(_out, "linux-arm64");

    [Fact]
    public async Task Arm64OutputWithX64Runtime_Verify_NamesTheWrongArchitectureOnly()
    {
        Assemble();

        var (exitCode, _, stderr) = await VerifyAsync();

        Assert.Equal(1, exitCode);
        // The test host's own runtime is x86-64: both of its libraries are reported, the arm64 ones are not.
        Assert.Contains("libcoreclr.so is built for ELF machine 62, expected 183", stderr, StringComparison.Ordinal);
        Assert.Contains("libSystem.Native.so is built for ELF machine 62, expected 183", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("libonnxruntime.so", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("libSystem.IO.Ports.Native.so", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Arm64OutputWithoutOnnxRuntime_Verify_ReportsItMissing()
    {
        Assemble();
        File.Delete(Path.Combine(Arm64, "libonnxruntime.so"));

        var (exitCode, _, stderr) = await VerifyAsync();

        Assert.Equal(1, exitCode);
        Assert.Contains("MISSING libonnxruntime.so", stderr, StringComparison.Ordinal);
    }

    private void Assemble()
    {
        Directory.CreateDirectory(Path.Combine(Arm64, "models"));
        var native = Path.Combine(BuildOutput, "runtimes", "linux-arm64", "native");
        File.Copy(Path.Combine(native, "libonnxruntime.so"), Path.Combine(Arm64, "libonnxruntime.so"));
        File.Copy(Path.Combine(native, "libSystem.IO.Ports.Native.so"), Path.Combine(Arm64, "libSystem.IO.Ports.Native.so"));
        File.Copy(Path.Combine(SharedRuntime, "libcoreclr.so"), Path.Combine(Arm64, "libcoreclr.so"));
        File.Copy(Path.Combine(SharedRuntime, "libSystem.Native.so"), Path.Combine(Arm64, "libSystem.Native.so"));
        // Stands in for the arm64 apphost: only its ELF header is checked.
        File.Copy(Path.Combine(native, "libSystem.IO.Ports.Native.so"), Path.Combine(Arm64, "portscan-edge"));
        File.WriteAllText(Path.Combine(Arm64, "models", "model.onnx"), "not a model; only its presence is checked");
    }

    private Task<(int ExitCode, string Stdout, string Stderr)> VerifyAsync() =>
        ShellProcess.RunAsync(
            "bash",
            [RepositoryPaths.Of("deploy/scripts/publish.sh"), "--rid", "linux-arm64", "--out", _out, "--verify-only"],
            TimeSpan.FromMinutes(1));

    public void Dispose() => Directory.Delete(_out, recursive: true);
}
